import time
from multiprocessing import Process
def func1():
    time.sleep(3)
    print('in func1')
def func2():
    while True:
        time.sleep(0.5)
        print('in func2')
if __name__ == '__main__':
    Process(target=func1).start()
    t= Process(target=func2)
    t.daemon=True
    t.start()
    print('主线程')
