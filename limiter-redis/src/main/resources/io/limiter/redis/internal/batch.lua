-- Limiter: decides a vector of requests in one call (coalescing). The Java side puts this after a table `decide`
-- whose entries are the single-request scripts, each unchanged (prelude, state helpers, body) as the body of a
-- function of (KEYS, ARGV): a request in a vector is decided by exactly the code that decides it alone.
--
-- KEYS[i]  the state key of request i
-- ARGV     for each request in order: the index of its script in `decide`, the number m of its arguments, and its m
--          arguments (ARGV of the single-request script)
--
-- Requests are decided in order, each all-or-nothing: a later request on the same key sees what an earlier one
-- wrote. The server clock is read once for the whole vector. A request whose script fails (WRONGTYPE, OOM on its
-- write) replies {message} in place of its decision; the others are decided as if it were not there.
-- The reply is the vector of the requests' replies.

local clock
local replies = {}
local a = 1
for i = 1, #KEYS do
  local script, m = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local args = {}
  for j = 1, m do
    args[j] = ARGV[a + 1 + j]
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
  local ok, reply = pcall(decide[script], { KEYS[i] }, args)
  if not ok then
    if type(reply) == 'table' then
      reply = reply.err
    end
    -- the message as Redis answers it for a single call: without the script position some errors are given
    reply = { (string.gsub(tostring(reply), '^@[%w_]+: ?%d+: %-?', '')) }
  end
  replies[i] = reply
end
return replies
