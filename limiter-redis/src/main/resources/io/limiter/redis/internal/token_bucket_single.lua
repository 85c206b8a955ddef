-- Token bucket with exactly one limit: token_bucket.lua without its loops, tables and helper closures, which made
-- it noticeably slower for the most common policy. Same arguments, state, clamping and reply, so either script may
-- decide on state the other wrote. The arithmetic is bucket_step.lua's, put before this.

local s = read_words(KEYS[1], tag, '>dd', 2)
local tat_us, tat_ns
if s then
  tat_us, tat_ns = s[1], s[2]
elseif s == false then
  -- state of another policy shape counts as empty; drop it now so that its expiry cannot outlive this policy's
  del_state(KEYS[1])
end
local admitted, d_us, d_ns, ttl = bucket_step(tat_us, tat_ns, now, tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), min_ttl)
if not admitted then
  return { now, 0, d_us, d_ns }
end
write_words(KEYS[1], tag, '>dd', ttl, now + d_us, d_ns)
return { now, 1, d_us, d_ns }
