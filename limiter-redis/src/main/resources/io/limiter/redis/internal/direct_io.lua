-- Limiter: how a script called for one request reads and writes its state: straight on Redis. Every algorithm's
-- script (and settle.lua) reads and writes KEYS[1] through these three functions only, never with redis.call: for a
-- vector of requests (coalescing), batch_io.lua defines them instead over a per-call cache, so that a vector makes
-- one read and one write per key however many of its requests share the key. A new script must do the same.
--
-- get_state(key)             the stored value, or false if there is none
-- set_state(key, value, ttl) stores the value with an expiry of ttl milliseconds (one SET ... PX)
-- del_state(key)             deletes the key

local function get_state(key)
  return redis.call('GET', key)
end

local function set_state(key, value, ttl)
  redis.call('SET', key, value, 'PX', ttl)
end

local function del_state(key)
  redis.call('DEL', key)
end
