// Data-plane counters, shaped like a head-end's `show crypto ipsec sa`.

export interface EspSaCounters {
  saId: string;
  spiIn: number;
  spiOut: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  icvFailures: number;
  replayDrops: number;
  decryptErrors: number;
  paddingErrors: number;
  selectorDrops: number;
  sendErrors: number;
  /** ms since epoch, 0 = never */
  lastInboundAt: number;
  lastOutboundAt: number;
}

export interface DataPlaneCounters {
  at: number;
  sas: EspSaCounters[];
  total: Omit<EspSaCounters, 'saId' | 'spiIn' | 'spiOut'> & {
    /** ESP received for an SPI we do not know */
    noSaDrops: number;
    /** packets read from the TUN that no SA's selectors cover */
    noRouteDrops: number;
    receiveErrors: number;
    malformedDrops: number;
  };
}
