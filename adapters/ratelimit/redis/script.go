package redis

import goredis "github.com/redis/go-redis/v9"

// slidingWindow takes one permit of the sliding-window log KEYS[1] if fewer
// than ARGV[1] were granted in the last ARGV[2] microseconds.
//
//	ARGV[1] the limit; ARGV[2] the window in microseconds; ARGV[3] the
//	window in milliseconds (the key's expiry); ARGV[4] a token unique to
//	the call (the member is Redis's time and the token).
//
// It returns {1, 0} for a permit, or {0, µs until a slot frees}. The clock
// is Redis's TIME; replicate_commands makes TIME usable before a write on
// Redis 3.2 to 4 (later versions replicate effects always).
var slidingWindow = goredis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < max then
  redis.call('ZADD', KEYS[1], now, t[1] .. '.' .. t[2] .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, 0}
end
local e = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
local wait = tonumber(e[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
`)
