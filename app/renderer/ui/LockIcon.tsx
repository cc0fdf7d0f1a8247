// A padlock: marks what an administrator locked (an SVG, so it needs no emoji font).
export function LockIcon() {
  return (
    <svg
      className="lock-icon"
      role="img"
      aria-label="locked"
      viewBox="0 0 16 16"
      width="12"
      height="12"
      fill="currentColor"
    >
      <title>Locked by your administrator</title>
      <path d="M5 7V5a3 3 0 0 1 6 0v2h.5A1.5 1.5 0 0 1 13 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 3 13.5v-5A1.5 1.5 0 0 1 4.5 7H5zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2z" />
    </svg>
  );
}
