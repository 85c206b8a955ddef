-- Token bucket as GCRA, exact like the in-memory kernels: the theoretical arrival time "tat" of each limit is stored
-- as whole microseconds plus a rest in units of 1/R µs (R = 1000·d for an emission interval of N/d ns: nanoseconds
-- when d = 1), and the clock is in microseconds. A rest written under another R (a level whose fast rate reduces to
-- another fraction) is read in this R's units, below R.
-- A request is admitted iff max(tat, now) + n·T - now <= B·T for every limit; then each tat becomes
-- max(tat, now) + n·T. A debt max(tat, now) - now above B·T (state written under a larger burst, or a clock gone
-- back) is read as B·T: never a longer wait than this limit can impose. Such a debt never admits, so the clamp is
-- never written.
-- Per limit (5 arguments): n·T as microseconds and rest (microseconds -1: n exceeds the burst, never admitted), then
-- B·T likewise, then R. State: tat microseconds, tat rest. Reply words: the debt max(tat, now) - now as microseconds
-- and rest.

local limits = (#ARGV - 3) / 5
local format = state_format(2 * limits)
local s = load_state(format, 2 * limits)
local admitted = 1
-- the reply carries the debts before; they are replaced by the debts after if every limit admits
local reply = { now, 0 }
local after = {}
local ttl = 0
for i = 1, limits do
  local a = 5 * i - 1
  local base = tonumber(ARGV[a + 4])
  local inc_us = tonumber(ARGV[a])
  local cap_us, cap_ns = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local debt_us, debt_ns = 0, 0
  if s and s[2 * i - 1] >= now then
    debt_us, debt_ns = s[2 * i - 1] - now, s[2 * i]
    if debt_ns >= base then
      debt_ns = base - 1
    end
    if debt_us > cap_us or (debt_us == cap_us and debt_ns > cap_ns) then
      debt_us, debt_ns = cap_us, cap_ns
    end
  end
  reply[2 * i + 1], reply[2 * i + 2] = debt_us, debt_ns
  if inc_us < 0 then
    admitted = 0
  else
    local d_us, d_ns = debt_us + inc_us, debt_ns + tonumber(ARGV[a + 1])
    if d_ns >= base then
      d_us, d_ns = d_us + 1, d_ns - base
    end
    if d_us > cap_us or (d_us == cap_us and d_ns > cap_ns) then
      admitted = 0
    end
    after[2 * i - 1], after[2 * i] = d_us, d_ns
    if d_ns > 0 then
      d_us = d_us + 1
    end
    if d_us > ttl then
      ttl = d_us
    end
  end
end

if admitted == 1 then
  for i = 1, limits do
    reply[2 * i + 1], reply[2 * i + 2] = after[2 * i - 1], after[2 * i]
    after[2 * i - 1] = now + after[2 * i - 1]
  end
  save_state(format, after, ttl)
else
  finish_rejected()
end
reply[2] = admitted
return reply
