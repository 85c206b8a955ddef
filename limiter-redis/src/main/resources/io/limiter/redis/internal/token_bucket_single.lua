-- Token bucket with exactly one limit: token_bucket.lua without its loops, tables and helper closures, which made
-- it noticeably slower for the most common policy. Same arguments, state, clamping and reply, so either script may
-- decide on state the other wrote.

local s = read_words(KEYS[1], tag, '>dd', 2)
local tat_us, tat_ns
if s then
  tat_us, tat_ns = s[1], s[2]
elseif s == false then
  -- state of another policy shape counts as empty; drop it now so that its expiry cannot outlive this policy's
  del_state(KEYS[1])
end
local debt_us, debt_ns = 0, 0
local cap_us, cap_ns = tonumber(ARGV[6]), tonumber(ARGV[7])
local base = tonumber(ARGV[8])
if tat_us and tat_us >= now then
  debt_us, debt_ns = tat_us - now, tat_ns
  if debt_ns >= base then
    debt_ns = base - 1
  end
  if debt_us > cap_us or (debt_us == cap_us and debt_ns > cap_ns) then
    -- written under a larger burst (or the clock went back): read as a full debt, never a longer wait than this
    -- limit can impose; such a debt never admits, so the clamp is never written
    debt_us, debt_ns = cap_us, cap_ns
  end
end
local inc_us = tonumber(ARGV[4])
local d_us, d_ns = debt_us + inc_us, debt_ns + tonumber(ARGV[5])
if d_ns >= base then
  d_us, d_ns = d_us + 1, d_ns - base
end
if inc_us < 0 or d_us > cap_us or (d_us == cap_us and d_ns > cap_ns) then
  return { now, 0, debt_us, debt_ns }
end
-- the expiry as in state.lua's save_state; math.floor of the rounded quotient is never below the exact one, and a
-- millisecond more of expiry is harmless. A number below 10^14 reaches Redis as its integer digits.
local full = d_us
if d_ns > 0 then
  full = full + 1
end
local ttl = math.floor((full + 999) / 1000) + 1
if ttl < min_ttl then
  ttl = min_ttl
end
write_words(KEYS[1], tag, '>dd', ttl, now + d_us, d_ns)
return { now, 1, d_us, d_ns }
