import time
from threading import Thread,currentThread
def func():
    time.sleep(1)
    print('in 子线程',currentThread())
Thread(target=func).start()
print('主线程',currentThread())
