// The /30 the test TUN gets inside its namespace: we are .1, the far end (answered by the
// child itself) is .2.
export const TUN_ADDRESS = '198.19.250.1';
export const PEER_ADDRESS = '198.19.250.2';
export const TUN_PREFIX = 30;
