-- nfvperf's Snabb program (run with `snabb snsh snabb-bridge.lua CPU`): vhost-user ports, Snabb the
-- server of each socket, joined by Snabb's learning bridge (apps.bridge.learning), on one CPU.
-- Upstream removed its snabbnfv program in v2024.08, so this is our own, from the modules still
-- in the tree. The driver (src/switches/snabb.ts) owns the host: it sets SNABB_SHM_ROOT, mounts
-- Snabb's hugetlbfs and reserves the hugepages before this starts.
--
-- Control on stdin, one command a line:  port NAME SOCKET  adds a port (NAME: letters, digits, _)
-- and reconfigures the engine. Replies on stdout, one JSON object a line (flushed: Snabb's stdout
-- is block-buffered): {"type":"start",...} once, {"type":"ports","ports":N} after each change, or
-- {"type":"error","message":...}. Snabb's own messages are plain text on the same stream.
--
-- Three upstream bugs met with DPDK >= 21 virtio_user peers are worked around here, at run time
-- (third_party/snabb/README.md): see fix_vhost_user() and free_mem_table() below.

local ffi      = require("ffi")
local C        = ffi.C
local S        = require("syscall")
local config   = require("core.config")
local engine   = require("core.app")
local lib      = require("core.lib")
local memory   = require("core.memory")
local timer    = require("core.timer")
local numa     = require("lib.numa")
local learning = require("apps.bridge.learning")
local VhostUser = require("apps.vhost.vhost_user").VhostUser

-- VIRTIO_F_VERSION_1 (feature bit 32). Without it a DPDK >= 21 virtio_user never sends
-- VHOST_USER_SET_FEATURES, and Snabb crashes in lib/virtio/net_device.lua on the first packet.
local VIRTIO_F_VERSION_1 = 2^32
-- How often the engine looks at stdin for commands (ns).
local CONTROL_POLL_NS = 50e6

-- One JSON line, {"type":KIND,...}, from alternating keys and values (integers or strings).
local function say (kind, ...)
   local kv, fields = { ... }, { ('"type":"%s"'):format(kind) }
   for i = 1, #kv, 2 do
      local v = kv[i + 1]
      local text = type(v) == "number" and ("%d"):format(v) or ('"'..tostring(v):gsub('[%c"\\]', ' ')..'"')
      table.insert(fields, ('"%s":%s'):format(kv[i], text))
   end
   io.stdout:write("{"..table.concat(fields, ",").."}\n")
   io.stdout:flush()
end

-- Each new VhostUser app, as the constructor returns it, gets two fixes:
--  * VERSION_1 offered (see above; the DPDK side keeps its defaults: mergeable rx buffers on,
--    packed rings off);
--  * its listening socket non-blocking: upstream accept()s on a blocking socket, so a port whose
--    app has not connected yet would stall the whole engine (every other port with it).
local upstream_new = VhostUser.new
function VhostUser:new (args)
   local o = upstream_new(self, args)
   if math.floor(o.dev.supported_features / VIRTIO_F_VERSION_1) % 2 == 0 then
      o.dev.supported_features = o.dev.supported_features + VIRTIO_F_VERSION_1
   end
   if o.listen_socket then assert(S.fcntl(o.listen_socket, "setfl", "nonblock")) end
   o.process_qemu_timer.ticks = 1
   return o
end

-- Upstream's free_mem_table() counts regions with table.getn(), which is 0 for a table whose only
-- region is at index 0: a peer with one memory region (DPDK --single-file-segments, the usual
-- case) is never unmapped, and every disconnect leaks its hugepages. Unmap every region.
function VhostUser:free_mem_table ()
   for _, region in pairs(self.mem_table) do
      C.vhost_user_unmap_guest_memory(region.mmap_pointer, lib.align(region.mmap_size, memory.huge_page_size))
   end
   self.mem_table = {}
end

-- Snabb raises vm.nr_hugepages by itself when it runs short, a change to the host that nothing
-- would undo: the driver reserves (and restores) the pages, so running short is an error here.
function memory.reserve_new_page ()
   error(("Snabb needs more hugepages than nfvperf reserved (vm.nr_hugepages %s, none free)")
         :format(lib.firstline("/proc/sys/vm/nr_hugepages")))
end

local ports = {}   -- { {name=, socket=}, ... } in the order added

local function configure ()
   local c = config.new()
   local names = {}
   for _, p in ipairs(ports) do table.insert(names, p.name) end
   config.app(c, "bridge", learning.bridge, { ports = names })
   for _, p in ipairs(ports) do
      config.app(c, p.name, VhostUser, { socket_path = p.socket, is_server = true })
      config.link(c, p.name..".tx -> bridge."..p.name)
      config.link(c, "bridge."..p.name.." -> "..p.name..".rx")
   end
   engine.configure(c)
end

-- Commands read so far that end in a newline; `pending` ends the engine loop to apply them.
local input, pending = "", false

local function poll_stdin ()
   local data, err = S.stdin:read(nil, 4096)
   if data and #data > 0 then
      input = input..data
      pending = input:find("\n") ~= nil
   elseif data and #data == 0 then
      -- The driver closed our stdin: it is gone, so are we (it stops us with SIGTERM otherwise).
      os.exit(0)
   elseif err and not err.AGAIN then
      error("stdin: "..tostring(err))
   end
end

local function apply (line)
   local name, socket = line:match("^port ([%w_]+) (%S+)$")
   if not name then return say("error", "message", "bad command: "..line) end
   for _, p in ipairs(ports) do
      if p.name == name then return say("error", "message", "port exists: "..name) end
   end
   table.insert(ports, { name = name, socket = socket })
   configure()
   say("ports", "ports", #ports)
end

local cpu = tonumber(main.parameters[1])
assert(cpu, "usage: snabb snsh snabb-bridge.lua CPU")
numa.bind_to_cpu(cpu, true)
-- Snabb's own default, kept: between breaths that moved no packet it sleeps (up to 100 us),
-- so an idle Snabb leaves the CPU it shares with the apps (two cores here) to them; under load
-- it never sleeps.
S.stdin:nonblock()
timer.activate(timer.new("control", poll_stdin, CONTROL_POLL_NS, "repeating"))
configure()
say("start", "pid", S.getpid(), "cpu", cpu)
while true do
   engine.main({ done = function () return pending end, no_report = true })
   pending = false
   while true do
      local line, rest = input:match("^([^\n]*)\n(.*)$")
      if not line then break end
      input = rest
      apply(line)
   end
end
