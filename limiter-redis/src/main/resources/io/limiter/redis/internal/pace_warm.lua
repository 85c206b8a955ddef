-- Limiter: pace.lua for a policy with a limit that warms up (after warm.lua): the same wait (unclamped debts: callers
-- queue behind the slots reserved before them), then each limit is charged as at the slot now + wait, a limit that
-- warms up by its warm-up cost there (WarmGcraKernel.charge at the slot). A wait that would take a warm limit's
-- arithmetic beyond 2^52 ns is not granted. Arguments: token_bucket_warm.lua's, then the maximum wait in whole µs.
-- Reply: pace.lua's, with four state words per limit, and after them the four words per limit written (unpace.lua
-- compares them: v cannot be derived from the debts).

local limits = (#ARGV - 4) / WARM_ARGS
local max_wait = tonumber(ARGV[#ARGV])
local format = state_format(4 * limits)
local s = load_state(format, 4 * limits)
local wait = 0
local warm = false
local reply = { now, 0 }
for i = 1, limits do
  local a = WARM_ARGS * (i - 1) + 4
  local base = tonumber(ARGV[a + 4])
  local inc_us = tonumber(ARGV[a])
  local cap_us, cap_r = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if tonumber(ARGV[a + 5]) > 0 then
    warm = true
  end
  local t, r = now, 0
  if s and s[4 * i - 3] >= now then
    t, r = s[4 * i - 3], s[4 * i - 2]
    if r >= base then
      r = base - 1
    end
  end
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  if inc_us < 0 then
    wait = -1
  elseif wait >= 0 then
    local w_us, w_r = t - now + inc_us - cap_us, r + tonumber(ARGV[a + 1]) - cap_r
    if w_r >= base then
      w_us, w_r = w_us + 1, w_r - base
    elseif w_r < 0 then
      w_us, w_r = w_us - 1, w_r + base
    end
    if w_r > 0 then
      w_us = w_us + 1
    end
    if w_us > wait then
      wait = w_us
    end
  end
end
local n = #reply
reply[n + 1] = wait
if wait < 0 or wait > max_wait or (warm and wait > 4503599627370) then
  finish_rejected()
  return reply
end
local slot = now + wait
local after = {}
local ttl = 0
for i = 1, limits do
  local a = WARM_ARGS * (i - 1) + 4
  local base = tonumber(ARGV[a + 4])
  local w = tonumber(ARGV[a + 5])
  local t, r = slot, 0
  if s and (s[4 * i - 3] > slot or (s[4 * i - 3] == slot and s[4 * i - 2] > 0)) then
    t, r = s[4 * i - 3], s[4 * i - 2]
    if r >= base then
      r = base - 1
    end
  end
  local v_us, v_ns = 0, 0
  local keep
  if w > 0 then
    local b = rel_ns(t, r)
    local k, cool, most = tonumber(ARGV[a + 6]), tonumber(ARGV[a + 11]), tonumber(ARGV[a + 9])
    local stored = most
    if s then
      stored = warm_stored(b, s[4 * i - 1], s[4 * i], w, cool, most)
    end
    local tat = b + warm_cost(stored, k, tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8]), tonumber(ARGV[a + 10]))
    local v = warm_anchor(tat, math.max(0, stored - k), cool)
    t, r = split_ns(tat)
    v_us, v_ns = split_ns(v)
    keep = math.ceil(math.max(tat, v + w) / 1000)
  else
    t, r = t + tonumber(ARGV[a]), r + tonumber(ARGV[a + 1])
    if r >= base then
      t, r = t + 1, r - base
    end
    keep = t - now
    if r > 0 then
      keep = keep + 1
    end
  end
  after[4 * i - 3], after[4 * i - 2], after[4 * i - 1], after[4 * i] = t, r, v_us, v_ns
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  if keep > ttl then
    ttl = keep
  end
end
save_state(format, after, ttl)
reply[2] = 1
reply[n + 2] = s and 1 or 0
for i = 1, 4 * limits do
  reply[n + 2 + i] = s and s[i] or 0
end
for i = 1, 4 * limits do
  reply[n + 2 + 4 * limits + i] = after[i]
end
return reply
