// Linux TUN device on top of the addon: batches from the addon become Buffer views, errno
// failures become TunErrors.
import { TunError } from './errors.js';
import { type NativeTun, batchPackets, loadTunAddon } from './native-addon.js';
import type { DataPathPort, PacketSlab, TunDevice, TunOptions, TunStats } from './tun-device.js';

export class LinuxTun implements TunDevice {
  private packetListener: ((batch: PacketSlab) => void) | undefined;
  private errorListener: ((error: Error) => void) | undefined;

  private constructor(
    private readonly handle: NativeTun,
    readonly mtu: number,
  ) {}

  /** Creates (or attaches to) the interface, sets its MTU and brings it up. */
  static open(options: TunOptions): LinuxTun {
    const addon = loadTunAddon();
    let handle: NativeTun;
    try {
      handle = new addon.Tun(options.name, options.offload ?? true);
    } catch (error) {
      throw openError(error, options.name);
    }
    try {
      addon.configureLink(handle.name, options.mtu);
    } catch (error) {
      handle.close();
      throw openError(error, handle.name);
    }
    return new LinuxTun(handle, options.mtu);
  }

  get name(): string {
    return this.handle.name;
  }

  get offload(): boolean {
    return this.handle.offload;
  }

  onPackets(listener: (packets: Buffer[]) => void): void {
    this.onPacketSlab(({ slab, lengths, count }) => listener(batchPackets(slab, lengths, count)));
  }

  onPacketSlab(listener: (batch: PacketSlab) => void): void {
    const started = this.packetListener !== undefined;
    this.packetListener = listener;
    if (started) return;
    const batch: PacketSlab = {
      slab: Buffer.alloc(0),
      lengths: new Uint32Array(this.handle.batchLimit),
      count: 0,
    };
    this.handle.start(
      (slab, count) => {
        batch.slab = slab;
        batch.count = count;
        this.packetListener?.(batch);
      },
      batch.lengths,
      (error) => this.fail(error),
    );
  }

  feed(path: DataPathPort): void {
    path.setTun(this.handle);
    this.handle.start(null, null, (error) => this.fail(error));
  }

  onError(listener: (error: Error) => void): void {
    this.errorListener = listener;
  }

  write(packet: Buffer): boolean {
    return this.handle.write(packet);
  }

  writeBatch(packets: Buffer[] | PacketSlab): number {
    return this.handle.writeBatch(packets);
  }

  stats(): TunStats {
    return this.handle.stats();
  }

  ref(): void {
    this.handle.ref();
  }

  unref(): void {
    this.handle.unref();
  }

  close(): void {
    this.handle.close();
  }

  private fail(error: Error): void {
    if (this.errorListener === undefined) throw error;
    this.errorListener(error);
  }
}

function openError(error: unknown, name: string): TunError {
  const { code, syscall } = error as NodeJS.ErrnoException;
  const subject = name === '' ? 'a TUN device' : `TUN device ${name}`;
  // open() says ENOENT without the device node, ENODEV / ENXIO without the tun driver
  if (syscall === 'open' && (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO')) {
    return new TunError(
      'no-tun-device',
      `cannot open ${subject}: /dev/net/tun is missing (load the tun module, or pass the device into the container)`,
      { cause: error },
    );
  }
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return new TunError(
        'permission-denied',
        `cannot open ${subject}: needs root or CAP_NET_ADMIN`,
        { cause: error },
      );
    case 'EBUSY':
    case 'EEXIST':
      return new TunError(
        'name-in-use',
        `cannot open ${subject}: the name is in use by another device`,
        { cause: error },
      );
    default:
      return new TunError('open-failed', `cannot open ${subject}: ${String(error)}`, {
        cause: error,
      });
  }
}
