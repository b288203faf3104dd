import { writeReadmeExamples } from './fixtures/readme-examples';

// The README's "Test it without a mount" example, extracted from README.md now: its `it` registers here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(writeReadmeExamples().test);
