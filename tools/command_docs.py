import socket, sys
def read(f):
    line = f.readline()
    t, rest = line[:1], line[1:-2]
    if t in (b'+', b'-'): return rest.decode()
    if t == b':': return int(rest)
    if t == b'$':
        n = int(rest)
        if n < 0: return None
        d = f.read(n+2)[:-2]; return d.decode()
    if t in (b'*', b'~', b'%'):
        n = int(rest)
        if n < 0: return None
        if t == b'%': n *= 2
        return [read(f) for _ in range(n)]
    raise Exception(line)
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
f = s.makefile('rb')
names = sys.argv[2].split()
def cmd(*a):
    out = b'*%d\r\n' % len(a)
    for x in a:
        x = x.encode(); out += b'$%d\r\n%s\r\n' % (len(x), x)
    s.sendall(out); return read(f)
print("// Generated from Redis 7.0.15's COMMAND INFO: ACL categories and key specs per command.")
print("pub static DOCS: &[CommandDoc] = &[")
for n in names:
    info = cmd('COMMAND', 'INFO', n)[0]
    if info is None:
        print(f"    // {n}: unknown to Redis", file=sys.stderr); continue
    cats = info[6]
    tips = info[7]
    doc = cmd('COMMAND', 'DOCS', n)[1]
    dd = dict(zip(doc[0::2], doc[1::2]))
    specs = info[8]
    out = []
    for sp in specs:
        d = dict(zip(sp[0::2], sp[1::2]))
        flags = d['flags']
        bs = dict(zip(d['begin_search'][0::2], d['begin_search'][1::2]))
        fk = dict(zip(d['find_keys'][0::2], d['find_keys'][1::2]))
        bspec = dict(zip(bs['spec'][0::2], bs['spec'][1::2])) if isinstance(bs['spec'], list) else {}
        fspec = dict(zip(fk['spec'][0::2], fk['spec'][1::2])) if isinstance(fk['spec'], list) else {}
        if bs['type'] != 'index' or fk['type'] != 'range':
            print(f"    // {n}: spec {bs['type']}/{fk['type']} skipped", file=sys.stderr); continue
        fl = ', '.join('"%s"' % x for x in flags)
        out.append(f"KeySpecDoc {{ flags: &[{fl}], index: {bspec['index']}, lastkey: {fspec['lastkey']}, keystep: {fspec['keystep']}, limit: {fspec['limit']} }}")
    c = ', '.join('"%s"' % x for x in cats)
    t = ', '.join('"%s"' % x for x in tips)
    summary = dd.get('summary','').replace('"','\\"')
    print(f'    CommandDoc {{ name: "{n}", acl: &[{c}], tips: &[{t}], key_specs: &[{", ".join(out)}], summary: "{summary}", since: "{dd.get("since","")}", complexity: "{dd.get("complexity","")}" }},')
print("];")
