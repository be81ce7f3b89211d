// `--help` on the second half of the example programs (the cases are in help-cases.ts).
import { helpTests } from './help-cases.ts';

helpTests(1);
