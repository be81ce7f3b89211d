import { Queue } from 'skein/queue';
const q = new Queue(0, { capacity: 1024 });
const item = 'y'.repeat(300);
q.putNowait(item); q.putNowait(item); q.putNowait(item);
try { q.putNowait(item) } catch (e) { console.log(e.message) }
const pending = q.put(item);
console.log(q.getNowait() === item);
await pending;
console.log('done', q.qsize());
