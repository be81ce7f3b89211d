import time
from multiprocessing import Process
from threading import Thread
def func(n):
    print(n**n)
if __name__ == '__main__':
    start = time.time()
    p_lst = []
    for i in range(50):
        p =Process(target=func,args=(i,))
        p.start()
        p_lst.append(p)
    for p in p_lst:p.join()
    print('*******',time.time()-start)

    start = time.time()
    t_lst = []
    for i in range(50):
        t = Thread(target=func, args=(i,))
        t.start()
        t_lst.append(t)
    for t in t_lst: t.join()
    print('*******',time.time() - start)
