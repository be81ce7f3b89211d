# The tutorial's Pipe review (管道): recv raises EOFError only once every unused end is closed.
from multiprocessing import Pipe, Process

def consumer(left, right):
    left.close()
    while True:
        try:
            print('got', right.recv())
        except EOFError:
            print('EOFError')
            break

if __name__ == '__main__':
    left, right = Pipe()
    p = Process(target=consumer, args=(left, right))
    p.start()
    right.close()
    for i in range(5):
        left.send(i)
    left.close()
    p.join()
    print('done')
