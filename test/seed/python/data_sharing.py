from threading import Thread
n =100
def func():
    global n
    n -=1
t = Thread(target=func)
t.start()
t.join()
print(n)
