-- Limiter: the part every algorithm script starts with (the Java side appends one algorithm to it).
--
-- KEYS[1]  the state of one client under one policy: "<tag>:" followed by its words as big-endian IEEE doubles
--          (struct.pack '>d'), with a PX expiry. Binary words, not decimal text: formatting and parsing numbers
--          made the script about a sixth slower on the server (every distinct string Lua builds is also interned).
-- ARGV[1]  "" to take the time from the server (TIME), else a test clock in microseconds (tests only)
-- ARGV[2]  the state's tag: algorithm and number of limits; a stored value with another tag counts as empty
-- ARGV[3]  the least expiry in milliseconds
-- ARGV[4…] the arguments of each limit, ARGS_PER_LIMIT of them
--
-- Only integers below 2^53 occur (the Java side rejects limits that could exceed it), so Lua's doubles are exact.
-- The reply is {now, admitted (1 or 0), the state words of each limit after (if admitted) or before (if not)}.

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local tag = ARGV[2] .. ':'
local min_ttl = tonumber(ARGV[3])

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

-- the stored words (a table indexed from 1), or nil when there is no state or it has another tag or length
local function load_state(format, words)
  local v = redis.call('GET', KEYS[1])
  if not v or #v ~= #tag + 8 * words or string.sub(v, 1, #tag) ~= tag then
    return nil
  end
  return { struct.unpack(format, v, #tag + 1) }
end

-- writes the words with an expiry of at least until the state is full again (ttl_us from now), plus 1 ms for the
-- rounding to milliseconds and for the server's expiry clock being taken at the start of the script
local function save_state(format, s, ttl_us)
  local ttl = fdiv(ttl_us + 999, 1000) + 1
  if ttl < min_ttl then
    ttl = min_ttl
  end
  redis.call('SET', KEYS[1], tag .. struct.pack(format, unpack(s)), 'PX', string.format('%.0f', ttl))
end
