-- Token bucket as GCRA, exact to the nanosecond like the in-memory kernel: the theoretical arrival time "tat" of
-- each limit is stored as whole microseconds plus a nanosecond rest (0..999), and the clock is in microseconds.
-- A request is admitted iff max(tat, now) + n·T - now <= B·T for every limit; then each tat becomes
-- max(tat, now) + n·T.
-- Per limit (4 arguments): n·T as microseconds and nanosecond rest (microseconds -1: n exceeds the burst, never
-- admitted), then B·T likewise. State: tat microseconds, tat nanosecond rest. Reply words: the debt max(tat, now) -
-- now as microseconds and nanosecond rest.

local limits = (#ARGV - 3) / 4
local s = load_state(2 * limits)
local admitted = 1
local before = {}
local after = {}
local tats = {}
local ttl = 0
for i = 1, limits do
  local a = 4 * i
  local inc_us, inc_ns = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local cap_us, cap_ns = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local debt_us, debt_ns = 0, 0
  if s and s[2 * i - 1] >= now then
    debt_us, debt_ns = s[2 * i - 1] - now, s[2 * i]
  end
  before[2 * i - 1], before[2 * i] = debt_us, debt_ns
  if inc_us < 0 then
    admitted = 0
  else
    local d_us, d_ns = debt_us + inc_us, debt_ns + inc_ns
    if d_ns >= 1000 then
      d_us, d_ns = d_us + 1, d_ns - 1000
    end
    if d_us > cap_us or (d_us == cap_us and d_ns > cap_ns) then
      admitted = 0
    end
    after[2 * i - 1], after[2 * i] = d_us, d_ns
    tats[2 * i - 1], tats[2 * i] = now + d_us, d_ns
    local full = d_us
    if d_ns > 0 then
      full = full + 1
    end
    if full > ttl then
      ttl = full
    end
  end
end

local reply = { now, admitted }
local words = before
if admitted == 1 then
  save_state(tats, 2 * limits, ttl)
  words = after
end
for i = 1, 2 * limits do
  reply[i + 2] = words[i]
end
return reply
