/*
 * The bus's Lua scripts. Each runs atomically in Redis, which is what makes "check the capacity,
 * then XADD" and "copy to the dead-letter stream, then XACK" safe with many processes. Call them
 * through the typed wrappers in lua-scripts.ts, which lay out KEYS and ARGV as documented here.
 */

/** Stream id helpers and the trim rule, shared by the scripts below. */
const TRIM_LIB = `
local function parse_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function id_lt(a, b)
  local am, as = parse_id(a)
  local bm, bs = parse_id(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local function id_next(id)
  local ms, seq = parse_id(id)
  return string.format('%.0f-%.0f', ms, seq + 1)
end
-- Drops the entries every group has acknowledged: everything before the oldest entry some group
-- still has pending, or has not been delivered yet. A stream without groups keeps everything
-- (the first group to be created reads from the start).
local function trim(key)
  if redis.call('EXISTS', key) == 0 then return 0 end
  local groups = redis.call('XINFO', 'GROUPS', key)
  if #groups == 0 then return 0 end
  local min_id = nil
  for _, g in ipairs(groups) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    local candidate
    if tonumber(f['pending']) > 0 then
      candidate = redis.call('XPENDING', key, f['name'])[2]
    else
      candidate = id_next(f['last-delivered-id'])
    end
    if min_id == nil or id_lt(candidate, min_id) then min_id = candidate end
  end
  return redis.call('XTRIM', key, 'MINID', min_id)
end
`;

/**
 * KEYS: every partition stream of the topic. ARGV: capacity, n, then n pairs (partition, json).
 * Adds all n messages or none. The backlog is the summed length of the (trimmed) streams; when
 * it would pass the capacity, trim first (acks may not have been trimmed yet), then refuse.
 */
export const PUBLISH = `${TRIM_LIB}
local capacity = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local function backlog()
  local total = 0
  for i = 1, #KEYS do total = total + redis.call('XLEN', KEYS[i]) end
  return total
end
local total = backlog()
if total + n > capacity then
  for i = 1, #KEYS do trim(KEYS[i]) end
  total = backlog()
  if total + n > capacity then return redis.error_reply('BUSFULL ' .. total) end
end
local ids = {}
for j = 0, n - 1 do
  local partition = tonumber(ARGV[3 + 2 * j])
  ids[j + 1] = redis.call('XADD', KEYS[partition + 1], '*', 'm', ARGV[4 + 2 * j])
end
return ids
`;

/** KEYS: one partition stream. ARGV: group, ids... Acknowledges, then trims what all groups have acked. */
export const ACK_AND_TRIM = `${TRIM_LIB}
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
trim(KEYS[1])
return acked
`;

/**
 * KEYS: partition stream, dead-letter stream. ARGV: group, stream id, json, deliveries, error,
 * dead-letter max length. Copies the message to the dead-letter stream and acks it, atomically,
 * so it is never both lost and acked, nor dead-lettered twice by two consumers.
 */
export const DEAD_LETTER = `${TRIM_LIB}
local still_pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #still_pending == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'm', ARGV[3], 'group', ARGV[1],
  'streamId', ARGV[2], 'deliveries', ARGV[4], 'error', ARGV[5])
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
trim(KEYS[1])
return acked
`;

/**
 * KEYS: one partition stream. ARGV: group, me, visibility timeout ms, count, then the consumers
 * known to be gone (their connection closed: consumer-liveness.ts).
 * Claims entries idle past the visibility timeout (XPENDING IDLE + XCLAIM: XAUTOCLAIM that can
 * also report delivery counts), and every entry a gone consumer holds, however recent: nobody
 * will ever acknowledge it. Returns {claimed entries, their delivery counts, how many entries
 * other consumers still hold, how many I hold}.
 */
export const RECOVER = `
local key, group, me, idle, count = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local counts, stale, orphaned = {}, {}, {}
for _, p in ipairs(redis.call('XPENDING', key, group, 'IDLE', idle, '-', '+', count)) do
  stale[#stale + 1] = p[1]
  counts[p[1]] = p[4] + 1
end
for i = 5, #ARGV do
  if ARGV[i] ~= me then
    for _, p in ipairs(redis.call('XPENDING', key, group, '-', '+', count, ARGV[i])) do
      if counts[p[1]] == nil then
        orphaned[#orphaned + 1] = p[1]
        counts[p[1]] = p[4] + 1
      end
    end
  end
end
local claimed = {}
if #stale > 0 then claimed = redis.call('XCLAIM', key, group, me, idle, unpack(stale)) end
if #orphaned > 0 then
  for _, entry in ipairs(redis.call('XCLAIM', key, group, me, 0, unpack(orphaned))) do
    claimed[#claimed + 1] = entry
  end
end
local claimed_counts = {}
for i, entry in ipairs(claimed) do claimed_counts[i] = counts[entry[1]] end
local summary = redis.call('XPENDING', key, group)
local others, mine = 0, 0
if summary[4] then
  for _, c in ipairs(summary[4]) do
    if c[1] == me then mine = tonumber(c[2]) else others = others + tonumber(c[2]) end
  end
end
return {claimed, claimed_counts, others, mine}
`;

/**
 * KEYS: members sorted set, connected sorted set, then one lease key per partition.
 * ARGV: me, lease ms, start offset, then the consumers known to be gone.
 * Heartbeat and rebalance in one step: renew my membership and my leases, drop dead members,
 * and take free partitions up to my fair share, ceil(P / live members). A member is dead when its
 * lease ran out, or at once when it is in the connected set (it keeps a connection named after
 * itself) and the caller found that connection gone: its leases are freed now, not after the
 * lease. It stays in the connected set until its lease would have ended, so every consumer's
 * heartbeat in that time still sees it gone and reclaims what it held (RECOVER). Uses Redis'
 * clock, so the processes' clocks need not agree. Returns {fair share, owned partitions...}.
 */
export const REBALANCE = `
local me, lease, offset = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local first_lease = 3
for i = 4, #ARGV do
  local gone = ARGV[i]
  if gone ~= me and redis.call('ZSCORE', KEYS[2], gone) then
    redis.call('ZREM', KEYS[1], gone)
    for k = first_lease, #KEYS do
      if redis.call('GET', KEYS[k]) == gone then redis.call('DEL', KEYS[k]) end
    end
  end
end
for k = 1, 2 do
  redis.call('ZADD', KEYS[k], now + lease, me)
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now)
  redis.call('PEXPIRE', KEYS[k], lease * 2)
end
local partitions = #KEYS - 2
local fair = math.ceil(partitions / redis.call('ZCARD', KEYS[1]))
local owned = {}
for p = 0, partitions - 1 do
  if redis.call('GET', KEYS[p + first_lease]) == me then
    redis.call('PEXPIRE', KEYS[p + first_lease], lease)
    owned[#owned + 1] = p
  end
end
for j = 0, partitions - 1 do
  if #owned >= fair then break end
  local p = (offset + j) % partitions
  if redis.call('SET', KEYS[p + first_lease], me, 'NX', 'PX', lease) then owned[#owned + 1] = p end
end
table.insert(owned, 1, fair)
return owned
`;

/** KEYS: lease keys. ARGV: me. Deletes the leases I hold (compare-and-delete). */
export const RELEASE = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then released = released + redis.call('DEL', KEYS[i]) end
end
return released
`;
