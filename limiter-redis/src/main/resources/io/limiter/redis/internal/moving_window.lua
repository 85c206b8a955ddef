-- Moving window (an exact log of the last permits), like the in-memory kernel: a request of n is admitted iff, with
-- P' = min(P, C) (C of the stored log, or of a new one), n <= P' and the (P'-n)-th newest entry (from 0) is missing or at least W old.
-- Reply words per limit, on the state after (if admitted) or before (if not): the permits remaining, the µs until the
-- log is empty (reset), the µs until n more would pass (-1: never), the µs until one more permit than now.

local exists = read_logs()
local admitted = 1
for i = 1, limits do
  local w, p, n = arg(i, 1), arg(i, 2), arg(i, 3)
  local l = logs[i]
  p = math.min(p, l and l.cap or arg(i, 4))
  if n > p or (l and expiry(l, p - n, w) > 0) then
    admitted = 0
  end
end
if admitted == 1 then
  if not exists then
    new_logs()
  end
  for i = 1, limits do
    log_permits(logs[i], arg(i, 3))
    write_header(logs[i])
  end
  expire_logs()
else
  finish_rejected()
end

local reply = { now, admitted }
for i = 1, limits do
  local w, p, n = arg(i, 1), arg(i, 2), arg(i, 3)
  local l = logs[i] or { cap = arg(i, 4), count = 0, head = 0 }
  p = math.min(p, l.cap)
  local count = live(l, w)
  local wait = -1
  if n <= p then
    wait = expiry(l, p - n, w)
  end
  local refill = 0
  if count > 0 then
    refill = expiry(l, math.min(count, p) - 1, w)
  end
  local k = 4 * i - 1
  reply[k], reply[k + 1], reply[k + 2], reply[k + 3] = math.max(0, p - count), expiry(l, 0, w), wait, refill
end
return reply
