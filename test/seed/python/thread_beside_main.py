import os
import time
from threading import Thread
def func():
    for i in range(10):
        print('in thread:',i,os.getpid())
        time.sleep(0.5)
if __name__ == '__main__':
    t = Thread(target=func)
    t.start()
    time.sleep(1)
    print('in main',os.getpid())
    time.sleep(1)
    print('in main 2',os.getpid())
