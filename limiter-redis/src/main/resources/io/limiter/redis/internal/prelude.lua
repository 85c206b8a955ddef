-- Limiter: the part every script starts with. The Java side appends state.lua and one algorithm's body to it, or,
-- for the most common policy (one token bucket limit), bucket_step.lua and token_bucket_single.lua.
--
-- KEYS[1]  the state of one client under one policy: "<tag>:" followed by its words as big-endian IEEE doubles
--          (struct.pack '>d'), with a PX expiry. Binary words, not decimal text: formatting and parsing numbers
--          made the script noticeably slower on the server (every distinct string Lua builds is also interned).
-- ARGV[1]  "" to take the time from the server (TIME), else a test clock in microseconds (tests only)
-- ARGV[2]  the state's tag followed by ':' (sent so: not built again for every request): the policy's shape
--          (algorithm and the periods of its limits in canonical order, the order in which their arguments follow);
--          a stored value with another tag counts as empty, and a script that does not replace it deletes it
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
local tag = ARGV[2]
local min_ttl = tonumber(ARGV[3])
