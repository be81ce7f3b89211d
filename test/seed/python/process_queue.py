# The tutorial's Queue review (队列:管道+锁): any picklable value, safe between processes —
# no item is taken twice.
from multiprocessing import Process, Queue

def producer(q, name):
    for i in range(10):
        q.put({'from': name, 'n': i, 'data': [i, str(i)]})

def consumer(q, out):
    while True:
        item = q.get()
        if item is None:
            break
        out.put((item['from'], item['n']))

if __name__ == '__main__':
    q = Queue()
    out = Queue()
    producers = [Process(target=producer, args=(q, 'p%d' % i)) for i in range(3)]
    consumers = [Process(target=consumer, args=(q, out)) for i in range(2)]
    for p in producers + consumers:
        p.start()
    for p in producers:
        p.join()
    for _ in consumers:
        q.put(None)
    got = sorted(out.get() for _ in range(30))
    for c in consumers:
        c.join()
    print('items', len(got), 'distinct', len(set(got)))
    print('first', got[0], 'last', got[-1])
