-- Limiter: the warm-up arithmetic of a token bucket (appended to prelude.lua and state.lua, before token_bucket.lua,
-- pace.lua and settle.lua, which decide token bucket policies with and without a warm-up; the Java side is
-- WarmBucketScript, the in-memory kernel WarmGcraKernel, whose doubles this repeats operation for operation so that
-- both decide alike). A policy with a limit that warms up keeps four words per limit: tat as microseconds and rest
-- (as token_bucket.lua), and v, the instant from which the stored permits grow, as microseconds and nanoseconds.
-- Per limit 14 arguments: token_bucket.lua's 5 (n·T, B·T, R), then W (the warm-up in ns, 0: this limit does not warm
-- up), n (-1 beyond the burst), the stable interval T (ns), the threshold, the most stored permits M, the slope, the
-- cool-down interval, and c·B·T (the most a debt is read as) as microseconds and rest. A warm limit has R = 1000 and
-- 3·B·T + W below 2^53 ns (the Java side refuses others), so its arithmetic relative to now is exact in ns.

local WARM_ARGS = 14

-- the arguments and state words per limit of the script's policy: token_bucket.lua's 5 and 2, or for a policy with a
-- limit that warms up (its state tag starts with 'w', WarmBucketScript's letter) these 14 and 4
local function warm_layout()
  if string.byte(tag) == 119 then
    return WARM_ARGS, 4
  end
  return 5, 2
end

-- a tat or v (microseconds, rest in ns) as nanoseconds after now; callers only use values within 2^53 ns of now
local function rel_ns(us, ns)
  return (us - now) * 1000 + ns
end

-- stored permits at the instant b (ns after now) for the anchor v (ns after now; nil: fresh, as cold as can be)
local function warm_stored(b, v_us, v_ns, w, cool, most)
  if v_us == nil or now - v_us > w / 1000 + 1 then
    return most
  end
  local cooled = b - rel_ns(v_us, v_ns)
  if cooled >= w then
    return most
  end
  if cooled <= 0 then
    return 0
  end
  return math.min(most, cooled / cool)
end

-- nanoseconds that n permits cost with `stored` stored: WarmGcraKernel.cost
local function warm_cost(stored, n, stable, threshold, slope)
  local from = math.min(n, stored)
  local time
  local above = stored - threshold
  if above > 0 then
    local take = math.min(above, from)
    time = take * ((stable + above * slope) + (stable + (above - take) * slope)) / 2.0
    time = time + stable * (n - take)
  else
    time = stable * n
  end
  local full = n * stable
  local rounded = math.ceil(time)
  if rounded <= full then
    return full
  end
  return rounded
end

-- Java's Math.round of a non-negative double: half up, exactly
local function round_half_up(x)
  local f = math.floor(x)
  if x - f >= 0.5 then
    f = f + 1
  end
  return f
end

-- the words {us, ns} of an instant given as ns after now
local function split_ns(t)
  local us = math.floor(t / 1000)
  return now + us, t - us * 1000
end

-- the anchor v (ns after now) that makes `stored` permits stored at tat (ns after now)
local function warm_anchor(tat, stored, cool)
  return tat - round_half_up(stored * cool)
end
