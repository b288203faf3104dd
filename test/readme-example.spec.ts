import { Test } from '@nestjs/testing';
import { FileHandle, FuseFilesystemRegistry, FuseModule } from 'nestjs-fuse';
import { HelloFilesystem } from './fixtures/hello.filesystem';

// The README's "Test it without a mount" example, verbatim.
it('serves hello.txt', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [FuseModule.forRoot({})], // no mountpoint: nothing is mounted
    providers: [HelloFilesystem],
  }).compile();
  await moduleRef.init();
  const fs = moduleRef.get(FuseFilesystemRegistry).get('hello');
  const file = await FileHandle.open(fs, '/hello.txt');
  expect((await file.read(0, 5)).toString()).toBe('Hello');
  await file.close();                             // calls @Release()
  await moduleRef.close();
});
