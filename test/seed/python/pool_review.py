# The tutorial's process pool review (进程池), as a runnable program: apply, apply_async with
# get/close/join, map, a callback in the main process, and the "map功能对比" program.
import os
import sys
import time
from multiprocessing import Pool


def func(n):
    return n * n


def show(n):
    sys.stdout.write('%d\n' % n)  # one write per line: lines of several processes do not mix
    sys.stdout.flush()
    time.sleep(0.05)  # the tutorial sleeps random.randint(0, 5) seconds
    return n


def getpid(_):
    return os.getpid()


def callback(res):
    print('callback', res, 'in main process' if os.getpid() == MAIN else 'in child', flush=True)


MAIN = os.getpid()

if __name__ == '__main__':
    p = Pool(4)
    print('apply', p.apply(func, (5,)))
    res_l = [p.apply_async(func, (i,)) for i in range(5)]
    p.close()
    p.join()
    print('apply_async', str([r.get() for r in res_l]).replace(' ', ''))

    p = Pool(4)
    print('map', str(p.map(func, range(10))).replace(' ', ''))
    for i in range(3):
        p.apply_async(func, (i,), callback=callback)
    p.close()
    p.join()

    mp = Pool(10)
    mp.map(show, range(20))
    print('主进程', flush=True)
    mp.close()
    mp.join()

    # 信号量和池: a pool lends a fixed set of processes to every task.
    p = Pool(4)
    pids = p.map(getpid, range(20))
    print('pool processes used <= 4:', len(set(pids)) <= 4)
    p.close()
    p.join()
