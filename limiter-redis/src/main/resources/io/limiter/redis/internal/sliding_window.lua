-- Sliding window (two weighted fixed windows), like the in-memory kernel: with e the time elapsed in the current
-- window, a request of n is admitted iff prev·(W-e) <= (P-curr-n)·W, i.e. e >= W - floor((P-curr-n)·W/prev).
-- Per limit (3 arguments): W in microseconds, the permits P per window, the permits n requested.
-- Counts above P (written under larger limits of the same shape) are clamped to P.
-- State: window index, current count, previous count. Reply words: window start minus now (microseconds, <= 0
-- unless the clock went backwards), current count, previous count.

-- floor(room·w / prev) exactly for 0 <= room < prev < 2^31 and w < 2^49, whose product may exceed 2^53:
-- w = q·prev + r, and room·r is split at 2^16 so that every partial product stays below 2^48
local function threshold(room, prev, w)
  local q = fdiv(w, prev)
  local r = w - q * prev
  local rh = fdiv(room, 65536)
  local rl = room - rh * 65536
  local x = rh * r
  local q1 = fdiv(x, prev)
  local r1 = x - q1 * prev
  return room * q + q1 * 65536 + fdiv(r1 * 65536 + rl * r, prev)
end

local limits = (#ARGV - 3) / 3
local format = state_format(3 * limits)
local s = load_state(format, 3 * limits)
local admitted = 1
local reply = { now, 0 }
local state = {}
local ttl = 0
for i = 1, limits do
  local a = 3 * i + 1
  local w, permits, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local current = fdiv(now, w)
  local index, curr, prev = current, 0, 0
  if s then
    local si, sc, sp = s[3 * i - 2], s[3 * i - 1], s[3 * i]
    if sc == 0 and sp == 0 then
      -- nothing counted: as if new
    elseif current <= si then
      index, curr, prev = si, sc, sp
    elseif current == si + 1 then
      prev = sc
    end
    if curr > permits then
      curr = permits
    end
    if prev > permits then
      prev = permits
    end
  end
  local start = index * w
  local e = now - start
  if e < 0 then
    e = 0
  elseif e > w - 1 then
    e = w - 1
  end
  local room = permits - curr - n
  if not (room >= 0 and (prev == 0 or room >= prev or e >= w - threshold(room, prev, w))) then
    admitted = 0
  end
  state[3 * i - 2], state[3 * i - 1], state[3 * i] = index, curr + n, prev
  reply[3 * i], reply[3 * i + 1], reply[3 * i + 2] = start - now, curr, prev
  -- after a charge the current count is positive, so the limit is full again two windows after its start
  local full = start + 2 * w - now
  if full > ttl then
    ttl = full
  end
end

if admitted == 1 then
  save_state(format, state, ttl)
  for i = 1, limits do
    reply[3 * i + 1] = state[3 * i - 1]
  end
else
  finish_rejected()
end
reply[2] = admitted
return reply
