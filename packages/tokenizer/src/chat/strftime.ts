const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function pad(n: number, width: number, fill = "0"): string {
  return String(n).padStart(width, fill);
}

function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  return Math.round((date.getTime() - start.getTime()) / 86_400_000) + 1;
}

/**
 * Python's `datetime.strftime` in the C locale, for the directives chat templates use
 * (`strftime_now("%d %b %Y")` in Llama 3.x). glibc's `%-d` (no padding) is supported too.
 */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, noPad: string, directive: string) => {
    const p = (n: number, width: number) => (noPad ? String(n) : pad(n, width));
    const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
    switch (directive) {
      case "a":
        return DAYS[date.getDay()]!.slice(0, 3);
      case "A":
        return DAYS[date.getDay()]!;
      case "b":
      case "h":
        return MONTHS[date.getMonth()]!.slice(0, 3);
      case "B":
        return MONTHS[date.getMonth()]!;
      case "d":
        return p(date.getDate(), 2);
      case "e":
        return noPad ? String(date.getDate()) : pad(date.getDate(), 2, " ");
      case "H":
        return p(date.getHours(), 2);
      case "I":
        return p(hour12, 2);
      case "j":
        return p(dayOfYear(date), 3);
      case "m":
        return p(date.getMonth() + 1, 2);
      case "M":
        return p(date.getMinutes(), 2);
      case "p":
        return date.getHours() < 12 ? "AM" : "PM";
      case "S":
        return p(date.getSeconds(), 2);
      case "y":
        return p(date.getFullYear() % 100, 2);
      case "Y":
        return String(date.getFullYear());
      case "w":
        return String(date.getDay());
      case "u":
        return String(date.getDay() === 0 ? 7 : date.getDay());
      case "F":
        return `${date.getFullYear()}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)}`;
      case "T":
        return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}`;
      case "c":
        return `${DAYS[date.getDay()]!.slice(0, 3)} ${MONTHS[date.getMonth()]!.slice(0, 3)} ${pad(date.getDate(), 2, " ")} ${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)} ${date.getFullYear()}`;
      case "x":
        return `${pad(date.getMonth() + 1, 2)}/${pad(date.getDate(), 2)}/${pad(date.getFullYear() % 100, 2)}`;
      case "X":
        return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}`;
      case "Z":
      case "z":
        return "";
      case "%":
        return "%";
      default:
        return whole;
    }
  });
}
