# The tutorial's Manager review (数据共享Manager:dict,list): processes change a shared dict
# and list through a manager; with a lock, the dict's counter loses no update.
from multiprocessing import Manager, Process, Lock

def work(d, l, lock, i):
    with lock:
        d['count'] -= 1
    l.append(i)

if __name__ == '__main__':
    with Manager() as m:
        d = m.dict({'count': 20})
        l = m.list()
        lock = m.Lock()
        ps = [Process(target=work, args=(d, l, lock, i)) for i in range(20)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        print('count', d['count'])
        print('list', sorted(l))
        print('len', len(l))
