// 教程: get_page with result() — five pages fetched by a pool of 3 threads, results printed
// in submission order. The pages come from the test's local server (argv[2]).
import { ThreadPoolExecutor } from 'skein/futures';

const base = process.argv[2];
const getPage = async (url) => {
  const { currentThread } = await import('skein/threading');
  console.log(`<线程${currentThread().name}> get ${url}`);
  const response = await fetch(url);
  return { url, text: await response.text() };
};
const urls = ['/baidu', '/python', '/openstack', '/github', '/sina'].map((p) => base + p);
const tp = new ThreadPoolExecutor({ maxWorkers: 3 }); // 线程池
const tLst = [];
for (const url of urls) tLst.push(tp.submit(getPage, url));
for (const t of tLst) console.log(JSON.stringify(await t.result()));
await tp.shutdown();
