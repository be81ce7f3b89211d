// 教程: 回调函数 — add_done_callback prints each result as it completes. In Python the callback
// runs in the worker thread; in skein it runs in the thread that submitted (here MainThread).
import { ThreadPoolExecutor } from 'skein/futures';
import { currentThread } from 'skein/threading';

const base = process.argv[2];
const getPage = async (url) => {
  const { currentThread } = await import('skein/threading');
  console.log(`<线程${currentThread().name}> get ${url}`);
  const response = await fetch(url);
  return { url, text: await response.text() };
};
const callback = (ret) => {
  console.log('____', currentThread().name);
  void ret.result().then((r) => console.log(JSON.stringify(r)));
};
const urls = ['/baidu', '/python', '/openstack', '/github', '/sina'].map((p) => base + p);
console.log('主线程', currentThread().name);
const tp = new ThreadPoolExecutor({ maxWorkers: 3 });
for (const url of urls) tp.submit(getPage, url).addDoneCallback(callback);
// No shutdown: as in the tutorial, the program ends once the tasks are done.
