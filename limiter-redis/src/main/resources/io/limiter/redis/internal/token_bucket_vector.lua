-- Limiter: decides a vector of requests that all use the one-limit token bucket (token_bucket_single.lua), the most
-- common policy, in one call (coalescing). The same arguments as batch.lua without a group (every vector's script
-- index is that of token_bucket_single.lua), the same reply, and the same decisions and stored bytes as the requests'
-- own calls in arrival order; RedisCoalescingIT compares them. It is batch.lua with token_bucket_single.lua inlined
-- (both take the arithmetic of bucket_step.lua, put before this with vector_error.lua's message()) and batch_io.lua's
-- cache reduced to three numbers per key: no state table, copy, closure or protected call per decided request (only
-- its reply), which took a quarter to a half off the script time per request (limiter-bench run-redis-compare.sh).
--
-- KEYS      the distinct state keys of the vector
-- ARGV[1]   the number v of distinct argument vectors; then each of them: its script index (ignored), the number m of
--           its arguments, and its m arguments (token_bucket_single.lua's ARGV: clock, tag, least expiry, increment
--           µs and rest, capacity µs and rest, rest base)
-- ARGV[a]   two bytes per request, in order: the index of its key in KEYS and of its vector (both from 1)
--
-- A request whose key holds another type (WRONGTYPE) replies {message} in place of its decision; the others are
-- decided as if it were not there. A key whose write fails (OOM) fails each request on it from its first writer on.

local clock
local v_now, v_tag, v_min, v_inc_us, v_inc_ns, v_cap_us, v_cap_ns, v_base = {}, {}, {}, {}, {}, {}, {}, {}
local a = 2
for v = 1, tonumber(ARGV[1]) do
  local m = tonumber(ARGV[a + 1])
  local c = ARGV[a + 2]
  if c == '' then
    if not clock then
      local t = redis.call('TIME')
      clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
    end
    v_now[v] = clock
  else
    v_now[v] = tonumber(c)
  end
  v_tag[v] = ARGV[a + 3]
  v_min[v] = tonumber(ARGV[a + 4])
  v_inc_us[v] = tonumber(ARGV[a + 5])
  v_inc_ns[v] = tonumber(ARGV[a + 6])
  v_cap_us[v] = tonumber(ARGV[a + 7])
  v_cap_ns[v] = tonumber(ARGV[a + 8])
  v_base[v] = tonumber(ARGV[a + 9])
  a = a + 2 + m
end

-- per key index: what the requests so far left. s_tag: nil while not decoded, false for no state, else the tag of
-- the words s_us, s_ns (the tat as µs and rest); s_raw: the string the key held when the call began, until decoded
local s_tag, s_us, s_ns, s_raw = {}, {}, {}, {}
if #KEYS > 1 then
  -- one read for every key that holds a string; the others (none, or another type) are read by GET when used
  local values = redis.call('MGET', unpack(KEYS))
  for k = 1, #KEYS do
    if values[k] then
      s_raw[k] = values[k]
    end
  end
end
-- per key index: the expiry (ms) of its pending write, false for a pending delete (nil: not written); its first writer
local ttl_of, first_writer, written = {}, {}, {}

local order = ARGV[a]
local replies = {}
for i = 1, #order / 2 do
  local k, v = string.byte(order, 2 * i - 1, 2 * i)
  local tag, now = v_tag[v], v_now[v]
  local t = s_tag[k]
  local ok = true
  local tat_us, tat_ns, foreign
  if t == nil then
    local r = s_raw[k]
    if r == nil then
      -- GET tells empty from another type (WRONGTYPE), which fails this request only, as in its own call
      ok, r = pcall(redis.call, 'GET', KEYS[k])
      if not ok then
        replies[i] = message(r)
      end
    end
    if ok and r then
      if #r == #tag + 16 and string.sub(r, 1, #tag) == tag then
        tat_us, tat_ns = struct.unpack('>dd', r, #tag + 1)
      else
        -- state of another policy shape counts as empty, and is deleted (or replaced) now, as in its own call
        foreign = true
      end
    end
  elseif t == tag then
    tat_us, tat_ns = s_us[k], s_ns[k]
  elseif t then
    foreign = true -- written in this call under another tag
  end
  if ok then
    local admitted, d_us, d_ns, ttl = bucket_step(tat_us, tat_ns, now, v_inc_us[v], v_inc_ns[v], v_cap_us[v],
      v_cap_ns[v], v_base[v], v_min[v])
    if not admitted then
      replies[i] = { now, 0, d_us, d_ns }
      if foreign then
        s_tag[k] = false
        ttl = false
      elseif tat_us then
        s_tag[k], s_us[k], s_ns[k] = tag, tat_us, tat_ns -- as it was, decoded
      else
        s_tag[k] = false
      end
    else
      s_tag[k], s_us[k], s_ns[k] = tag, now + d_us, d_ns
      replies[i] = { now, 1, d_us, d_ns }
    end
    if ttl ~= nil then
      if ttl_of[k] == nil then
        written[#written + 1] = k
        first_writer[k] = i
      end
      ttl_of[k] = ttl
    end
  end
end

for w = 1, #written do
  local k = written[w]
  local ttl = ttl_of[k]
  local result
  if ttl then
    result = redis.pcall('SET', KEYS[k], s_tag[k] .. struct.pack('>dd', s_us[k], s_ns[k]), 'PX', ttl)
  else
    result = redis.pcall('DEL', KEYS[k])
  end
  if type(result) == 'table' and result.err then
    -- each request decided on what was to be written: the key's requests from its first writer on
    local failed = message(result)
    for i = first_writer[k], #order / 2 do
      if string.byte(order, 2 * i - 1) == k then
        replies[i] = failed
      end
    end
  end
end
return replies
