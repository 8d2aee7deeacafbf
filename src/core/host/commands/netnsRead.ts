/**
 * Every container namespace read by ONE awk process from the host side, without entering any:
 * /proc/PID/net/* is the network namespace of PID, and /proc/PID/root/sys/class/net the sysfs the
 * container mounted inside it. Starting `nsenter … ip` once per container cost a fork and two execs
 * each (most of a refresh at 100 containers); reading the same kernel tables costs a few opens.
 *
 * /proc and sysfs carry fewer facts than `ip` does, so the awk also decides, per namespace, whether
 * what it read is the whole story. It is when every interface is the loopback or a veth whose peer
 * is a host veth — proven by the kernel's own pairing, not by names: the host veth's iflink is our
 * ifindex, ours is its ifindex, and its peer lives in the netnsid the host assigned to this very
 * namespace (`lsns -o NS,NETNSID`); and when every IPv4 address sits on exactly one connected route
 * (that is how /proc places an address on its device), no route lacks a device, and no policy
 * routing table exists. Anything else — a macvlan or ipvlan child, a veth into an overlay
 * namespace, a bridge or tunnel inside the container, a /32 address — is marked `S` (slow) and the
 * caller reads that namespace with `nsenter … ip -json`, as before.
 *
 * The awk reads the namespaces as soon as it has `ls -l`'s inodes, while lsns and `ip -o` still run
 * (their output waits in the pipe), and decides only at the end.
 *
 * Namespaces are deduplicated by inode (`ls -l /proc/PID/ns/net`): a `--network container:X`
 * sharer is reported as `= PID ID OWNERPID`, a `--network host` container as `H PID ID` (its
 * namespace is the host's, read by the other sections).
 *
 * Input (stdin): the batch's delimiter on the first line, then sections introduced by `@proc`
 * (`/proc/PID` lines: the processes, whose stat the awk reads to find each container's init as the
 * lowest child of its shim or conmon; or `@ps`, a table as `ps -eo pid=,ppid=,args=` prints it),
 * `@ns` (`ls -l` lines of every process's ns/net, and ns/user for a rootless engine), `@nsid`
 * (`lsns -n -o NS,NETNSID` lines) and `@veth` (`ip -o link show type veth` lines). It prints the section's stdout itself: `pid ppid args` of each shim, conmon and
 * docker-proxy, the part `proxy-netns` (`self net:[INODE]`, `PID net:[INODE]` of each proxy) and,
 * with containers, the part `netns` (containerNamespaces.ts tells what goes to its stderr). The
 * part `netns` holds, one record per line:
 *   N PID ID INODE|- -                a namespace read here (its lines follow; the field after the
 *                                     inode is the netnsid in recordings made before the I record)
 *   I PID NETNSID                     the netnsid the host gave that namespace (at the end: lsns
 *                                     runs while the awk reads)
 *   PID TAG TEXT                      a line of /proc/PID/net/TAG (route, ipv6_route, arp, fib_trie,
 *                                     if_inet6, tcp, tcp6, udp, udp6), trailing blanks cut; socket
 *                                     tables keep their header and LISTEN / unconnected lines, and
 *                                     fib_trie its local table (where the addresses are)
 *   PID dev NAME                      an interface /proc/PID/net/dev lists
 *   PID sys NAME ATTR VALUE           /proc/PID/root/sys/class/net/NAME/ATTR
 *   PID kind NAME loopback|veth       what the pairing proved
 *   E PID TAG                         /proc/PID/net/TAG could not be read
 *   F PID ID  |  S PID ID WHY         the namespace is complete | needs nsenter, and why
 *   H PID ID  |  = PID ID OWNERPID    the host's namespace | the namespace of OWNERPID
 *   K PID ID INODE                    a namespace the caller kept from an earlier read (`keep`,
 *                                     `PID:INODE` pairs): same process, same namespace, not read again
 */

import { parseError } from '../ipJson';

export const NETNS_PROC_FILES = ['route', 'ipv6_route', 'arp', 'fib_trie', 'if_inet6', 'tcp', 'tcp6', 'udp', 'udp6'] as const;
export const NETNS_SYS_ATTRIBUTES = ['ifindex', 'iflink', 'address', 'mtu', 'operstate', 'flags', 'carrier'] as const;
export const NETNS_SOCKET_FILES: readonly string[] = ['tcp', 'tcp6', 'udp', 'udp6'];

/** awk: `ls -l /proc/PID/ns/net` lines (after a line `@ns`) into ino[PID] = the namespace's inode. */
export const NS_LINK_RULE = String.raw`sec == "@ns" {
  if (NF >= 3 && $NF ~ /^net:\[[0-9]+\]$/ && $(NF - 2) ~ /^\/proc\/[0-9]+\/ns\/net$/) { q = $(NF - 2); sub(/^\/proc\//, "", q); sub(/\/.*/, "", q); i = $NF; gsub(/[^0-9]/, "", i); ino[q] = i }
  next
}`;

/** awk: prints /proc/PID/net/TABLE as `PID TABLE LINE`, keeping the header and LISTEN / unconnected lines; `E PID TABLE` when unreadable. */
export const SOCKET_TABLE_FUNCTION = String.raw`function sockets_of(p,   k, f, line, r, x, t) {
  split("tcp tcp6 udp udp6", t, " ")
  for (k = 1; k in t; k++) {
    f = "/proc/" p "/net/" t[k]
    r = (getline line < f)
    if (r < 0) { print "E", p, t[k]; continue }
    while (r > 0) {
      sub(/[ \t]+$/, "", line)
      split(line, x, " ")
      if (x[1] == "sl" || x[4] == "0A" || x[4] == "07") print p, t[k], line
      r = (getline line < f)
    }
    close(f)
  }
}`;

/**
 * The awk program (no single quote in it: the script passes it in one). `self` is the shell's PID,
 * `engine` dockerd's where the engine is rootless (else empty); `sockets=1` also reads each
 * namespace's socket tables (who listens), which costs a scan of the kernel's whole TCP and UDP
 * hashes per namespace and table — more than everything else together.
 */
export const PROCESS_NETNS_AWK = String.raw`
function hexval(s,   i, n) { n = 0; s = toupper(s); for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return n }
function le4(s) { return hexval(substr(s, 7, 2)) * 16777216 + hexval(substr(s, 5, 2)) * 65536 + hexval(substr(s, 3, 2)) * 256 + hexval(substr(s, 1, 2)) }
function dotted(s,   q) { split(s, q, "."); return q[1] * 16777216 + q[2] * 65536 + q[3] * 256 + q[4] }
function masklen(m,   l, b) { l = 0; b = 2147483648; while (l < 32 && m >= b) { m -= b; b /= 2; l++ } return l }
# Reads one namespace; what only needs the pairing with host veths (lsns, ip -o) waits for decide().
function readns(p,   f, line, r, nd, names, j, d, v, val, slow, k, nc, cnet, clen, cdev, nl, laddr, leaf, sect, best, bdev, ndev, x, attrs, files, e, shown) {
  slow = ""
  nd = 0
  f = "/proc/" p "/net/dev"
  while ((getline line < f) > 0) {
    if (index(line, ":") == 0 || index(line, "|") > 0) continue
    sub(/^ +/, "", line)
    names[++nd] = substr(line, 1, index(line, ":") - 1)
    print p, "dev", names[nd]
  }
  close(f)
  if (nd == 0) slow = "/proc/" p "/net/dev lists no interface"
  split("${NETNS_SYS_ATTRIBUTES.join(' ')}", attrs, " ")
  for (j = 1; j <= nd; j++) {
    d = "/proc/" p "/root/sys/class/net/" names[j] "/"
    for (k in val) delete val[k]
    for (k = 1; k in attrs; k++) {
      # carrier only adds LOWER_UP, which operstate up already implies (procNet.ts ipLinkFlags); on a
      # device that is not up (IFF_UP, bit 0 of flags) the kernel answers EINVAL, which mawk takes
      # for a fatal read error that would end the whole read
      if (attrs[k] == "carrier" && (val["operstate"] == "up" || hexval(substr(val["flags"], 3)) % 2 == 0)) continue
      v = ""
      if ((getline v < (d attrs[k])) > 0) print p, "sys", names[j], attrs[k], v
      close(d attrs[k])
      val[attrs[k]] = v
    }
    if (val["ifindex"] == "" || val["iflink"] == "" || val["flags"] == "") { if (slow == "") slow = "sysfs of " names[j] " is not readable"; continue }
    nif[p]++
    ifname[p, nif[p]] = names[j]
    # IFF_LOOPBACK (0x8) is the fourth bit of the flags word
    iflo[p, nif[p]] = int(hexval(substr(val["flags"], 3)) / 8) % 2
    ifkey[p, nif[p]] = val["iflink"] " " val["ifindex"]
  }
  nc = 0; nl = 0; sect = ""
  split("${NETNS_PROC_FILES.filter((f) => !NETNS_SOCKET_FILES.includes(f)).join(' ')}", files, " ")
  for (k = 1; k in files; k++) {
    f = "/proc/" p "/net/" files[k]
    r = (getline line < f)
    if (r < 0) { print "E", p, files[k]; continue }
    while (r > 0) {
      sub(/[ \t]+$/, "", line)
      if (files[k] == "fib_trie") {
        # only the local table: where the addresses are (main and local share one trie unless
        # policy rules exist; any other table stops the fast path)
        if (line ~ /^[A-Za-z].*:$/) { sect = line; if (sect != "Main:" && sect != "Local:" && slow == "") slow = "fib_trie has table " sect }
        else if (line ~ /\|-- [0-9.]+$/) { split(line, x, " "); leaf = x[2] }
        else if (sect == "Local:" && line ~ /^ *\/32 host LOCAL$/ && leaf !~ /^127\./) laddr[++nl] = leaf
        # the leaves and their routes, without the inner nodes of the trie and the indentation
        # (parseFibTrie reads neither): 40% of this output at 100 containers
        if (sect == "Local:" && line !~ /^ *\+-- /) { shown = line; sub(/^ +/, "", shown); print p, files[k], shown }
      } else print p, files[k], line
      if (files[k] == "route" && line !~ /^Iface/) {
        split(line, x, " ")
        if (x[1] == "*") { if (slow == "") slow = "a route has no device (unreachable, prohibit, blackhole)" }
        else if (int(hexval(x[4]) / 2) % 2 == 0 && x[8] != "00000000") { nc++; cnet[nc] = le4(x[2]); clen[nc] = masklen(le4(x[8])); cdev[nc] = x[1] }
      }
      r = (getline line < f)
    }
    close(f)
  }
  # who listens: each socket table read scans the whole TCP or UDP hash of the kernel, so only when asked
  if (sockets == 1) sockets_of(p)
  for (j = 1; j <= nl; j++) {
    v = dotted(laddr[j]); best = -1; bdev = ""; ndev = 0
    for (k = 1; k <= nc; k++) {
      d = 1; for (e = clen[k]; e < 32; e++) d *= 2
      if (int(v / d) != int(cnet[k] / d)) continue
      if (clen[k] > best) { best = clen[k]; bdev = cdev[k]; ndev = 1 }
      else if (clen[k] == best && cdev[k] != bdev) ndev++
    }
    if ((best < 0 || ndev > 1) && slow == "") slow = "address " laddr[j] " is on no single connected route"
  }
  why[p] = slow
}
# Once lsns and ip -o are in: the loopback, veths the kernel pairs with a host veth, and the verdict.
function decide(p, id, netnsid,   j, slow) {
  slow = why[p]
  for (j = 1; j <= nif[p]; j++) {
    if (iflo[p, j] == 1) print p, "kind", ifname[p, j], "loopback"
    else if (netnsid != "" && (ifkey[p, j] in pair) && pair[ifkey[p, j]] == netnsid) print p, "kind", ifname[p, j], "veth"
    else if (slow == "") slow = ifname[p, j] " is neither the loopback nor a veth whose peer is on the host"
  }
  if (slow == "") print "F", p, id
  else { print "S", p, id, slow; print "S", p, id > "/dev/stderr" }
}
function part(name) { printf "\n%s:part:%s\n", D, name }
# One process from the @proc list (the glob of /proc by the shell): its parent and its name from stat
# (the name sits in parentheses and may hold any character: the last ")" ends it); only shims,
# conmons and docker-proxies have their arguments read, at announce().
function scan(p,   f, line, x, c) {
  f = "/proc/" p "/stat"
  if ((getline line < f) <= 0) { close(f); return }
  close(f)
  if (!match(line, /\)[^)]*$/)) return
  c = substr(line, index(line, "(") + 1, RSTART - index(line, "(") - 1)
  split(substr(line, RSTART + 2), x, " ")
  np++; pids[np] = p; ppid[p] = x[2]
  if (c ~ /^containerd-shim/ || c == "conmon" || c == "docker-proxy") want[p] = 1
}
# The arguments of a process as ps prints them (joined by blanks, a newline a blank, anything else
# unprintable a "?"): split at NUL where this awk can (mawk and gawk can; busybox awk cannot, it
# gets the first argument alone, and tr joins them instead, for these few processes only).
function argsof(p,   f, a, x, k, cmd) {
  f = "/proc/" p "/cmdline"
  a = ""
  if (nulsplit) {
    RS = "\0"; k = 0
    while ((getline x < f) > 0) a = (k++ ? a " " : "") x
    close(f); RS = "\n"
  } else {
    cmd = "tr \"\\000\\n\" \"  \" < " f " 2>/dev/null"
    cmd | getline a; close(cmd)
    sub(/ +$/, "", a)
  }
  gsub(/\n/, " ", a)
  gsub(/[^ -~]/, "?", a)
  return a
}
# Once every process and namespace link is in: the containers of shims and conmons (the lowest PID
# among the children of each is the init of its container), the proxies, and the parts that say so.
function announce(   k, p, a, w, nw, b, i, id, m, parts, s, c, t, np2, proxies) {
  if (announced) return
  announced = 1
  for (k = 1; k <= np; k++) {
    p = pids[k]
    if (!(p in want)) continue
    a = (p in args) ? args[p] : argsof(p)
    args[p] = a
    nw = split(a, w, " "); b = w[1]; sub(/.*\//, "", b)
    id = ""
    if (a ~ /containerd-shim/) {
      for (i = 1; i < nw; i++) {
        if (w[i] == "-id") id = w[i + 1]
        else if (w[i] == "-workdir" && id == "") { m = split(w[i + 1], parts, "/"); id = parts[m] }
      }
    } else if (b == "conmon") {
      for (i = 2; i < nw; i++) if (w[i] == "-c" || w[i] == "--cid") { id = w[i + 1]; break }
    } else if (b == "docker-proxy") proxies = proxies " " p
    if (id ~ /^[0-9a-f]+$/ && length(id) == 64) shim[p] = id
  }
  for (k = 1; k <= np; k++) {
    p = pids[k]; s = ppid[p]
    if (!(s in shim)) continue
    id = shim[s]
    if (!(id in init) || p + 0 < init[id] + 0) init[id] = p
  }
  for (id in init) {
    p = init[id]
    # a rootless engine: only the containers in the user namespace of dockerd
    if (engine != "" && (engine in u) && !((p in u) && u[p] == u[engine])) continue
    # in PID order, as ps listed them
    for (c = n; c >= 1 && cpid[c] + 0 > p + 0; c--) { cpid[c + 1] = cpid[c]; cid[c + 1] = cid[c] }
    cpid[c + 1] = p; cid[c + 1] = id; n++
  }
  for (k = 1; k <= np; k++) if (pids[k] in args) print pids[k], ppid[pids[k]], args[pids[k]]
  part("proxy-netns")
  print "self", ((self in ino) ? "net:[" ino[self] "]" : "")
  np2 = split(proxies, t, " ")
  for (k = 1; k <= np2; k++) print t[k], ((t[k] in ino) ? "net:[" ino[t[k]] "]" : "")
  print "P" > "/dev/stderr"
  for (c = 1; c <= n; c++) print "C", cpid[c], cid[c] > "/dev/stderr"
  if (n > 0) part("netns")
}
# After the ls -l lines: which namespaces to read (that of the host is read by the other sections, a
# shared one once), read now while lsns and ip -o still run.
function readall(   c, p, i) {
  host = (self in ino) ? ino[self] : ""
  for (c = 1; c <= n; c++) {
    p = cpid[c]; i = (p in ino) ? ino[p] : ""
    if (i != "" && i == host) { role[c] = "H"; continue }
    if (i != "" && (i in owner)) { role[c] = "="; shared[c] = owner[i]; continue }
    if (i != "") owner[i] = p
    # the caller still holds this very namespace as read before (same process, same inode): not again
    if (i != "" && ((p ":" i) in kept)) { role[c] = "K"; print "K", p, cid[c], i; continue }
    role[c] = "N"
    print "N", p, cid[c], (i == "" ? "-" : i), "-"
    readns(p)
  }
  done = 1
}
${SOCKET_TABLE_FUNCTION}
BEGIN {
  nk = split(keep, kk, " "); for (k = 1; k <= nk; k++) if (kk[k] ~ /^[0-9]+:[0-9]+$/) kept[kk[k]] = 1
  # whether this awk splits records at NUL: its own command line has several arguments
  RS = "\0"; k = 0; while ((getline x < "/proc/self/cmdline") > 0) k++; close("/proc/self/cmdline"); RS = "\n"; nulsplit = k > 1
}
NR == 1 { D = $0; if (D !~ /^[A-Za-z0-9]+$/ || length(D) < 16) { print "the first line of input is no batch delimiter" > "/dev/stderr"; bad = 1; exit 3 } next }
$0 == "@proc" || $0 == "@ps" || $0 == "@ns" || $0 == "@nsid" || $0 == "@veth" { if (sec == "@ns" && !done) { announce(); readall() } sec = $0; next }
sec == "@proc" { if ($0 ~ /^\/proc\/[0-9]+$/) scan(substr($0, 7)); next }
# a process table as ps prints it (pid ppid args), in place of the scan of /proc: recorded tables
sec == "@ps" {
  if ($1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/) next
  np++; pids[np] = $1; ppid[$1] = $2
  a = $0; sub(/^ *[0-9]+ +[0-9]+ ?/, "", a); k = split($3, w, "/")
  if (a ~ /containerd-shim/ || w[k] == "conmon" || w[k] == "docker-proxy") { want[$1] = 1; args[$1] = a }
  next
}
sec == "@ns" && $NF ~ /^user:\[[0-9]+\]$/ && $(NF - 2) ~ /^\/proc\/[0-9]+\/ns\/user$/ { q = $(NF - 2); sub(/^\/proc\//, "", q); sub(/\/.*/, "", q); u[q] = $NF; next }
${NS_LINK_RULE}
sec == "@nsid" { if ($1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/) nsid[$1] = $2; next }
sec == "@veth" {
  if ($1 !~ /^[0-9]+:$/ || match($2, /@if[0-9]+:$/) == 0) next
  q = substr($2, RSTART + 3, RLENGTH - 4)
  for (k = 3; k < NF; k++) if ($k == "link-netnsid") { pair[substr($1, 1, length($1) - 1) " " q] = $(k + 1); break }
  next
}
END {
  if (bad) exit 3
  if (!done) { announce(); readall() }
  for (c = 1; c <= n; c++) {
    p = cpid[c]
    if (role[c] == "H") print "H", p, cid[c]
    else if (role[c] == "=") print "=", p, cid[c], shared[c]
    else if (role[c] != "K") {
      i = (p in ino) ? ino[p] : ""
      t = (i != "" && (i in nsid)) ? nsid[i] : ""
      if (t != "") print "I", p, t
      decide(p, cid[c], t)
    }
  }
}`;

/** What the awk read of one container namespace. */
export interface NetnsRead {
  readonly pid: number;
  readonly containerId: string;
  /** `read`: read here; `host`: the host's own namespace; `shared`: the namespace of ownerPid */
  readonly kind: 'read' | 'host' | 'shared';
  readonly ownerPid: number | null;
  /** the namespace's inode (`ls -l /proc/PID/ns/net`), null where it could not be read */
  readonly inode: number | null;
  /** the netnsid the host assigned to this namespace, null where none is or lsns was missing */
  readonly netnsid: number | null;
  /** whether the socket tables were asked for (containerNetnsCommandWith) */
  readonly socketsRead: boolean;
  /** null: the read is the whole story; else why nsenter had to read it */
  readonly incomplete: string | null;
  /** /proc/PID/net/FILE text by file name (socket tables filtered); unreadable files are absent */
  readonly files: ReadonlyMap<string, string>;
  readonly unreadable: ReadonlySet<string>;
  readonly devs: readonly string[];
  /** NAME → ATTR → value, from sysfs */
  readonly sys: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** what the kernel's pairing proved an interface to be */
  readonly kinds: ReadonlyMap<string, 'loopback' | 'veth'>;
}

interface Building {
  pid: number;
  containerId: string;
  kind: 'read' | 'host' | 'shared';
  ownerPid: number | null;
  inode: number | null;
  netnsid: number | null;
  incomplete: string | null;
  finished: boolean;
  lines: Map<string, string[]>;
  unreadable: Set<string>;
  devs: string[];
  sys: Map<string, Map<string, string>>;
  kinds: Map<string, 'loopback' | 'veth'>;
}

const WHAT = 'the host-side read of container namespaces (/proc/PID/net, /proc/PID/root/sys/class/net)';
const ID = /^[0-9a-f]{64}$/;
const PID = /^\d+$/;

/** Splits the awk's records back into one NetnsRead per container, in the order it read them. */
export function parseNetnsRead(text: string): NetnsRead[] {
  const byPid = new Map<number, Building>();
  const order: Building[] = [];
  const fresh = (pid: number, containerId: string, kind: Building['kind'], line: string): Building => {
    if (!ID.test(containerId)) throw parseError(WHAT, 'bad container id', line);
    const b: Building = { pid, containerId, kind, ownerPid: null, inode: null, netnsid: null, incomplete: null, finished: kind !== 'read', lines: new Map(), unreadable: new Set(), devs: [], sys: new Map(), kinds: new Map() };
    byPid.set(pid, b);
    order.push(b);
    return b;
  };
  const of = (pidText: string | undefined, line: string): Building => {
    const b = pidText !== undefined && PID.test(pidText) ? byPid.get(Number(pidText)) : undefined;
    if (!b) throw parseError(WHAT, 'a record for a PID that was not announced', line);
    return b;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    const head = sp1 < 0 ? line : line.slice(0, sp1);
    const second = sp1 < 0 ? undefined : line.slice(sp1 + 1, sp2 < 0 ? undefined : sp2);
    const rest = sp2 < 0 ? '' : line.slice(sp2 + 1);
    if (PID.test(head)) {
      const b = of(head, line);
      if (second === 'dev') b.devs.push(rest);
      else if (second === 'sys') {
        const m = /^(\S+) ([a-z_]+) ?(.*)$/.exec(rest);
        if (!m) throw parseError(WHAT, 'bad sysfs record', line);
        const [, name, attr, value] = m as unknown as [string, string, string, string];
        const attrs = b.sys.get(name) ?? new Map<string, string>();
        attrs.set(attr, value.trim());
        b.sys.set(name, attrs);
      } else if (second === 'kind') {
        const m = /^(\S+) (loopback|veth)$/.exec(rest);
        if (!m) throw parseError(WHAT, 'bad kind record', line);
        b.kinds.set(m[1] ?? '', m[2] as 'loopback' | 'veth');
      } else if (second !== undefined && (NETNS_PROC_FILES as readonly string[]).includes(second)) {
        const list = b.lines.get(second) ?? [];
        list.push(rest);
        b.lines.set(second, list);
      } else throw parseError(WHAT, 'unknown record', line);
      continue;
    }
    const f = line.split(' ');
    switch (head) {
      case 'N': {
        if (!PID.test(f[1] ?? '')) throw parseError(WHAT, 'bad PID', line);
        const b = fresh(Number(f[1]), f[2] ?? '', 'read', line);
        b.inode = PID.test(f[3] ?? '') ? Number(f[3]) : null;
        b.netnsid = PID.test(f[4] ?? '') ? Number(f[4]) : null;
        break;
      }
      case 'I': {
        const b = of(f[1], line);
        if (!PID.test(f[2] ?? '')) throw parseError(WHAT, 'bad netnsid', line);
        b.netnsid = Number(f[2]);
        break;
      }
      case 'H':
        if (!PID.test(f[1] ?? '')) throw parseError(WHAT, 'bad PID', line);
        fresh(Number(f[1]), f[2] ?? '', 'host', line);
        break;
      case '=': {
        if (!PID.test(f[1] ?? '') || !PID.test(f[3] ?? '')) throw parseError(WHAT, 'bad PID', line);
        fresh(Number(f[1]), f[2] ?? '', 'shared', line).ownerPid = Number(f[3]);
        break;
      }
      case 'E':
        of(f[1], line).unreadable.add(f[2] ?? '');
        break;
      case 'F':
        of(f[1], line).finished = true;
        break;
      case 'S': {
        const b = of(f[1], line);
        b.finished = true;
        b.incomplete = f.slice(3).join(' ') || 'not every fact is in /proc';
        break;
      }
      default:
        throw parseError(WHAT, 'unknown record', line);
    }
  }
  return order.map((b) => ({
    pid: b.pid,
    containerId: b.containerId,
    kind: b.kind,
    ownerPid: b.ownerPid,
    inode: b.inode,
    netnsid: b.netnsid,
    socketsRead: b.lines.has('tcp') || b.unreadable.has('tcp'),
    incomplete: b.finished ? b.incomplete : 'the read of this namespace did not finish',
    files: new Map([...b.lines].map(([k, v]) => [k, `${v.join('\n')}\n`])),
    unreadable: b.unreadable,
    devs: b.devs,
    sys: b.sys,
    kinds: b.kinds,
  }));
}
