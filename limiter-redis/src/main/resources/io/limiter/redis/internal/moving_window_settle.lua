-- Limiter: settles a reservation of a moving window (after prelude.lua, state.lua and moving_window_log.lua), as the
-- in-memory kernel does: a refund of |delta| removes the oldest entries that still count and are not older than the
-- charge at ARGV[5] (once the charge is a window old, nothing); an extra charge logs up to |delta| permits now, as
-- many as there is room for. A refund of a key with no state (expired) or state of another shape is a no-op; an extra
-- charge starts from an empty log then. The expiry is never shortened.
-- ARGV[4] the algorithm's letter (m), ARGV[5] the time of the charge (µs), ARGV[6] 1 to charge, -1 to refund; then
-- per limit W (µs), P and |delta|. The reply is {now}.

local at = tonumber(ARGV[5])
local sign = tonumber(ARGV[6])

local exists = read_logs()
if not exists then
  if sign < 0 then
    return { now }
  end
  new_logs()
end
for i = 1, limits do
  local w, p, n = arg(i, 1), arg(i, 2), arg(i, 3)
  local l = logs[i]
  p = math.min(p, l.cap)
  local count = live(l, w)
  if sign > 0 then
    local room = p - count
    if room > 0 then
      log_permits(l, math.min(room, n))
      write_header(l)
    end
  elseif now - at < w then
    local m = 0 -- entries [0, m) count and are not older than the charge
    while m < count and stored(l, m) >= at do
      m = m + 1
    end
    local r = math.min(m, n)
    if r > 0 then
      -- the entries newer than the removed ones move r places towards the old end
      local values = {}
      for j = m - r - 1, 0, -1 do
        values[#values + 1] = stored(l, j)
      end
      write_slots(l, l.head - m + 1, values)
      l.next_head = (l.head - r) % l.cap
      l.count = l.count - r
      write_header(l)
    end
  end
end
if sign > 0 then
  expire_logs() -- a refund leaves the newest entry or removes it: the expiry, never shortened, stays as it is
end
return { now }
