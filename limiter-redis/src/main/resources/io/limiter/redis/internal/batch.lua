-- Limiter: decides a vector of requests in one call (coalescing). The Java side puts this after batch_io.lua and a
-- table `decide` whose entries are the single-request scripts, each unchanged (prelude, state helpers, body) as the
-- body of a function of (KEYS, ARGV): a request in a vector is decided by exactly the code that decides it alone,
-- reading and writing its state through batch_io.lua's cache.
--
-- KEYS      the distinct state keys of the vector
-- ARGV[1]   the number v of distinct argument vectors; then each of them: the index of its script in `decide`, the
--           number m of its arguments, and its m arguments (the ARGV of the single-request script). Requests of one
--           policy and cost share one vector: the server parses and interns each argument once per call.
-- ARGV[a]   two bytes per request, in order: the index of its key in KEYS and of its vector (both from 1)
-- ARGV[a+1] (only for a request's several policies, all or nothing) one byte per request: '1' if its rejection
--           rejects the whole group, '0' if not (a shadow policy's). Then the requests are decided in order until one
--           such rejection (or a script error): if one happens, nothing at all is written (each request's state stays
--           as it was, so nothing is taken for any of them) and the reply stops after it. A group's reply ends with
--           one more element: 0 if it stopped so (nothing written), 1 if its writes were applied.
--
-- The scripts only read their KEYS and ARGV, so requests share these tables.
--
-- Requests are decided in order, each all-or-nothing: a later request on the same key sees what an earlier one
-- wrote. The server clock is read once for the whole vector. A request whose script fails (WRONGTYPE) replies
-- {message} in place of its decision; the others are decided as if it were not there. A key whose write fails (OOM)
-- fails each request decided on what was to be written: the key's requests from its first writer on.
-- The reply is the vector of the requests' replies. vector_error.lua's message() is put before this.

local clock
local vectors = {}
local a = 2
for v = 1, tonumber(ARGV[1]) do
  local script, m = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local args = {}
  for j = 1, m do
    -- numbers converted once per vector, not once per request (the scripts' tonumber returns a number as it is);
    -- the empty clock and the state tag (it starts with the algorithm's letter) stay strings
    local x = ARGV[a + 1 + j]
    args[j] = tonumber(x) or x
  end
  a = a + 2 + m
  if args[1] == '' then
    -- the prelude takes a number here as it takes a test clock; TIME is read once per vector
    if not clock then
      local t = redis.call('TIME')
      clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
    end
    args[1] = clock
  end
  vectors[v] = { decide[script], args }
end

-- each key as the KEYS of a request, made once
local key_tables = {}
for i = 1, #KEYS do
  key_tables[i] = { KEYS[i] }
end

if #KEYS > 1 then
  -- one read for every key that holds a string; the others (none, or another type) are read by GET when used
  local values = redis.call('MGET', unpack(KEYS))
  for i = 1, #KEYS do
    if values[i] then
      cache[KEYS[i]] = values[i]
    end
  end
end

local order = ARGV[a]
local group = ARGV[a + 1]
local replies = {}
for i = 1, #order / 2 do
  local k, v = string.byte(order, 2 * i - 1, 2 * i)
  local vector = vectors[v]
  current = i
  local ok, reply = pcall(vector[1], key_tables[k], vector[2])
  if not ok then
    reply = message(reply)
  end
  replies[i] = reply
  if group and (not ok or (reply[2] == 0 and string.byte(group, i) == 49)) then
    -- all or nothing: the writes of the requests before it are dropped with the cache
    replies[#replies + 1] = 0
    return replies
  end
end

for _, key in ipairs(written) do
  local ttl = pending[key]
  local result
  if ttl then
    result = redis.pcall('SET', key, encoded(key), 'PX', ttl)
  else
    result = redis.pcall('DEL', key)
  end
  if type(result) == 'table' and result.err then
    for _, i in ipairs(decided_on_write(key)) do
      replies[i] = message(result)
    end
  end
end
if group then
  replies[#replies + 1] = 1
end
return replies
