-- Limiter: one request's step of the one-limit token bucket (GCRA), the arithmetic token_bucket_single.lua and
-- token_bucket_vector.lua share, so that a request decides alike alone and in a vector. Numbers as the prelude
-- describes: the tat and the debt as whole µs and a rest in units of 1/base µs.
--
-- bucket_step(tat_us, tat_ns, now, inc_us, inc_ns, cap_us, cap_ns, base, min_ttl) with the stored tat (nil: no
-- state) and the limit's arguments (inc_us < 0: more permits than the burst) returns
--   true, the debt after (µs, rest), the expiry in ms   if admitted
--   false, the debt before (µs, rest)                     if not
local function bucket_step(tat_us, tat_ns, now, inc_us, inc_ns, cap_us, cap_ns, base, min_ttl)
  local debt_us, debt_ns = 0, 0
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
  local d_us, d_ns = debt_us + inc_us, debt_ns + inc_ns
  if d_ns >= base then
    d_us, d_ns = d_us + 1, d_ns - base
  end
  if inc_us < 0 or d_us > cap_us or (d_us == cap_us and d_ns > cap_ns) then
    return false, debt_us, debt_ns
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
  return true, d_us, d_ns, ttl
end
