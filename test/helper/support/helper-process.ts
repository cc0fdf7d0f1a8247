// Child-process entry: `roadwarrior helper` (runHelperCommand) over a fake data plane.
// argv after the script are the helper's own arguments. Prints one line per fake event on
// stdout ("cleanup", "opened N", "sent N <hex>", "closed N"); the helper logs go to stderr.
import { runHelperCommand } from '../../../app/helper/main.js';
import { FakeDataPlane } from './fake-data-plane.js';

const dataPlane = new FakeDataPlane((channel) => {
  const index = dataPlane.channels.length - 1;
  console.log(`opened ${index}`);
  // echo every IKE packet back as the gateway's answer, so a client sees both directions
  const send = channel.send.bind(channel);
  channel.send = (packet, leg) => {
    send(packet, leg);
    console.log(`sent ${index} ${packet.toString('hex')}`);
    channel.deliver(packet, leg);
  };
  void channel.closed.then(() => console.log(`closed ${index}`));
});

process.exitCode = await runHelperCommand(process.argv.slice(2), {
  createDataPlane: () => dataPlane,
  cleanupStale: async () => {
    console.log('cleanup');
    return { restored: [], skipped: [], elsewhere: [], failed: [] };
  },
});
