from threading import Timer,currentThread
def func():
    print('in func',currentThread())
t = Timer(3,func)
t.start()
print(currentThread())
