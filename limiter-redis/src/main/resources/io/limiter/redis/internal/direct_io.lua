-- Limiter: how a script called for one request reads and writes its state: straight on Redis. Every algorithm's
-- script (and settle.lua) reads and writes KEYS[1] through these three functions only, never with redis.call: for a
-- vector of requests (coalescing), batch_io.lua defines them instead over a per-call cache of decoded words, so that
-- a vector makes one read and one write per key however many of its requests share the key, and decodes and encodes
-- the key's value once. A new script must do the same.
--
-- read_words(key, tag, format, n)     the n words stored under tag (a table the caller may change, indexed from 1),
--                                     nil if there is no state, false if the key holds state of another shape
--                                     (another tag or length: counted as empty)
-- write_words(key, tag, format, ttl, ...) stores tag followed by the words (struct.pack(format, ...)) with an expiry
--                                     of ttl milliseconds (one SET ... PX)
-- del_state(key)                      deletes the key

local function read_words(key, tag, format, n)
  local v = redis.call('GET', key)
  if not v then
    return nil
  end
  if #v ~= #tag + 8 * n or string.sub(v, 1, #tag) ~= tag then
    return false
  end
  return { struct.unpack(format, v, #tag + 1) }
end

local function write_words(key, tag, format, ttl, ...)
  redis.call('SET', key, tag .. struct.pack(format, ...), 'PX', ttl)
end

local function del_state(key)
  redis.call('DEL', key)
end
