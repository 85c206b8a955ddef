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
-- A policy with a limit that warms up (its tag starts with 'w', see warm.lua) has warm.lua's 14 arguments and four
-- state words per limit: a limit that warms up reads its debt clamped at c·B·T rather than B·T, and an admission
-- moves its tat by the warm-up cost of the permits (WarmGcraKernel.charge) rather than n·T; a limit that does not
-- keeps v at 0. The reply is the same.

local per, words = warm_layout()
local limits = (#ARGV - 3) / per
local format = state_format(words * limits)
local s = load_state(format, words * limits)
local admitted = 1
-- the reply carries the debts before; they are replaced by the debts after if every limit admits
local reply = { now, 0 }
local after = {}
local ttl = 0
for i = 1, limits do
  local a = per * (i - 1) + 4
  local o = words * (i - 1)
  local base = tonumber(ARGV[a + 4])
  local inc_us = tonumber(ARGV[a])
  local cap_us, cap_ns = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  -- the most a debt is read as: B·T, or c·B·T for a limit that warms up
  local read_us, read_ns = cap_us, cap_ns
  local w = 0
  if words == 4 then
    read_us, read_ns = tonumber(ARGV[a + 12]), tonumber(ARGV[a + 13])
    w = tonumber(ARGV[a + 5])
  end
  local debt_us, debt_ns = 0, 0
  if s and s[o + 1] >= now then
    debt_us, debt_ns = s[o + 1] - now, s[o + 2]
    if debt_ns >= base then
      debt_ns = base - 1
    end
    if debt_us > read_us or (debt_us == read_us and debt_ns > read_ns) then
      debt_us, debt_ns = read_us, read_ns
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
    local v_us, v_ns = 0, 0
    local keep = d_us
    if d_ns > 0 then
      keep = keep + 1
    end
    if w > 0 and admitted == 1 then
      -- the warm-up cost from the base max(tat, now), which an admission never reads clamped (its debt is below B·T)
      local b = debt_us * 1000 + debt_ns
      local n, cool = tonumber(ARGV[a + 6]), tonumber(ARGV[a + 11])
      local stored
      if s then
        stored = warm_stored(b, s[o + 3], s[o + 4], w, cool, tonumber(ARGV[a + 9]))
      else
        stored = tonumber(ARGV[a + 9])
      end
      local tat = b + warm_cost(stored, n, tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8]), tonumber(ARGV[a + 10]))
      local v = warm_anchor(tat, math.max(0, stored - n), cool)
      d_us = math.floor(tat / 1000)
      d_ns = tat - d_us * 1000
      v_us, v_ns = split_ns(v)
      -- kept until the bucket is full and fully cold again: then it is the state of a fresh key
      keep = math.ceil(math.max(tat, v + w) / 1000)
    end
    after[o + 1], after[o + 2] = d_us, d_ns
    if words == 4 then
      after[o + 3], after[o + 4] = v_us, v_ns
    end
    if keep > ttl then
      ttl = keep
    end
  end
end

if admitted == 1 then
  for i = 1, limits do
    local o = words * (i - 1)
    reply[2 * i + 1], reply[2 * i + 2] = after[o + 1], after[o + 2]
    after[o + 1] = now + after[o + 1]
  end
  save_state(format, after, ttl)
else
  finish_rejected()
end
reply[2] = admitted
return reply
