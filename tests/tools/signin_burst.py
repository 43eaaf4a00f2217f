"""240 concurrent wrong sign-ins against a running luot, each from its own
127.0.x.y source address; prints VmHWM/VmRSS of the server before and after
and the answers' status counts."""
import http.client, json, sys, threading, collections

pid, port = int(sys.argv[1]), int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 240

def mem():
    d = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmHWM", "VmRSS"):
            d[k] = int(v.split()[0])
    return d

before = mem()
statuses = collections.Counter()
barrier = threading.Barrier(n)
def one(i):
    src = f"127.0.{1 + i // 200}.{2 + i % 200}"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(src, 0))
    body = json.dumps({"username": f"quay{1 + i % 4}", "password": f"wrong guess {i}"})
    c.connect()
    barrier.wait()
    c.request("POST", "/api/v1/auth/login", body, {"content-type": "application/json"})
    r = c.getresponse()
    r.read()
    statuses[r.status] += 1
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
after = mem()
print(json.dumps({"before_kib": before, "after_kib": after,
                  "added_peak_mib": round((after["VmHWM"] - before["VmHWM"]) / 1024, 1),
                  "statuses": dict(statuses)}))
