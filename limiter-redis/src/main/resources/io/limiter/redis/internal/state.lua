-- Limiter: state helpers of the scripts that handle any number of limits (appended to prelude.lua). They read and
-- write through read_words/write_words/del_state (direct_io.lua, or batch_io.lua in a vector), never redis.call.

-- floor(a / b); the division in doubles can round up to the next integer, so the quotient is corrected
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then
    q = q - 1
  elseif (q + 1) * b <= a then
    q = q + 1
  end
  return q
end

-- the struct format of a state of this many words
local function state_format(words)
  return '>' .. string.rep('d', words)
end

-- whether KEYS[1] holds a value of another shape (see the prelude): load_state sets it, finish_rejected reads it
local foreign = false

-- the stored words (a table indexed from 1), or nil when there is no state or it has another tag or length (state of
-- another policy shape: treated as empty)
local function load_state(format, words)
  local s = read_words(KEYS[1], tag, format, words)
  if s == false then
    foreign = true
    return nil
  end
  return s
end

-- writes the words with an expiry of at least until the state is full again (ttl_us from now), plus 1 ms for the
-- rounding to milliseconds and for the server's expiry clock being taken at the start of the script
local function save_state(format, s, ttl_us)
  local ttl = fdiv(ttl_us + 999, 1000) + 1
  if ttl < min_ttl then
    ttl = min_ttl
  end
  write_words(KEYS[1], tag, format, string.format('%.0f', ttl), unpack(s))
end

-- after a rejection: state of another shape is deleted (it counts as empty, and its expiry, set for another policy,
-- may be far longer than this one's); state of this shape stays as it was stored (clamping is how it is read, and
-- writing it back while the clock is behind would refill it)
local function finish_rejected()
  if foreign then
    del_state(KEYS[1])
  end
end
