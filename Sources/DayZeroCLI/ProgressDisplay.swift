#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// How a command shows the progress of its steps on standard error.
public enum ProgressStyle: Sendable, Equatable {
    /// Nothing (in-process runs, tests): the captured output holds only what the command says.
    case none
    /// Plain lines, for a log or a pipe: one line when a step ends (`[2/4] analysing … done
    /// (19.1 s)`), and a line every `interval` seconds while a long step runs.
    case lines(interval: Double)
    /// A live line on a terminal, redrawn in place: the step's number, name, elapsed time and a
    /// bar of the steps done; the finished step stays as one line.
    case bar

    /// `.bar` when standard error is a terminal, else plain lines every 10 s.
    public static var automatic: ProgressStyle {
        isatty(STDERR_FILENO) == 1 ? .bar : .lines(interval: 10)
    }
}

/// Shows the steps of a command (`step`) in the chosen `ProgressStyle`. Each step is shown
/// once: started and finished on the same terminal line, or as one line when it ends.
final class ProgressDisplay: @unchecked Sendable {
    let style: ProgressStyle
    let total: Int
    private let writeLine: @Sendable (String) -> Void
    private let writeRaw: @Sendable (String) -> Void
    private let lock = NSLock()
    private var index = 0
    /// The step whose timer may still write; 0 once it has ended (a late timer event is dropped).
    private var active = 0

    /// `writeLine` writes one line (plain styles); `writeRaw` writes terminal text as it is
    /// (the bar's carriage returns and erase-line codes).
    init(style: ProgressStyle, total: Int, writeLine: @escaping @Sendable (String) -> Void,
         writeRaw: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.style = style
        self.total = max(1, total)
        self.writeLine = writeLine
        self.writeRaw = writeRaw
    }

    /// Runs `work` as the next step called `name`; with `count` items (e.g. `(78, "patients")`)
    /// the finished line gives the rate.
    /// With a `counter` the live line and the periodic lines show how many of its items are done
    /// and their rate (`3 of 5 sets, 1.4 sets/s`).
    /// A step whose work reports failure by its value (an exit code) names it: `failed(value)`
    /// true ends the line `… failed (0.3 s)` instead of `… done`.
    func step<T>(
        _ name: String, count: (Int, String)? = nil, counter: ProgressCounter? = nil, failed: (T) -> Bool = { _ in false },
        _ work: () throws -> T
    ) rethrows -> T {
        lock.lock()
        index += 1
        let number = index
        active = number
        lock.unlock()
        let prefix = "[\(number)/\(total)] \(name)"
        let start = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        var timer: (any DispatchSourceTimer)?
        switch style {
        case .none:
            break
        case .lines(let interval):
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            t.schedule(deadline: .now() + interval, repeating: interval)
            t.setEventHandler { [self] in
                whileActive(number) { writeLine(Self.runningLine(prefix, seconds: elapsed(), counter: counter)) }
            }
            t.resume()
            timer = t
        case .bar:
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            t.schedule(deadline: .now(), repeating: 0.25)
            let done = number - 1, total = self.total
            t.setEventHandler { [self] in
                whileActive(number) {
                    writeRaw("\r\u{1B}[K" + Self.bar(done: done, total: total) + " \(prefix) … \(formatSeconds(elapsed()))"
                        + (counter.map { ", " + $0.text(seconds: elapsed()) } ?? ""))
                }
            }
            t.resume()
            timer = t
        }
        defer {
            timer?.cancel()
            lock.lock()
            active = 0
            lock.unlock()
        }
        let value = try work()
        lock.lock()
        active = 0
        let seconds = elapsed()
        let failure = failed(value)
        var line = "\(prefix) … \(failure ? "failed" : "done") (\(formatSeconds(seconds))"
        if let (n, unit) = count, seconds >= 0.05, !failure { line += ", \(Int((Double(n) / seconds).rounded())) \(unit)/s" }
        line += ")"
        switch style {
        case .none: break
        case .lines: writeLine(line)
        case .bar: writeRaw("\r\u{1B}[K" + line + "\n")
        }
        lock.unlock()
        return value
    }

    /// Runs `write` only while step `number` is running, under the lock (so a redraw never
    /// follows the step's last line).
    private func whileActive(_ number: Int, _ write: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if active == number { write() }
    }

    /// The plain line written while a long step runs: `[3/4] analysing 5 analysis sets … still
    /// running (12.0 s, 3 of 5 sets, 0.3 sets/s)`.
    static func runningLine(_ prefix: String, seconds: Double, counter: ProgressCounter?) -> String {
        "\(prefix) … still running (\(formatSeconds(seconds))\(counter.map { ", " + $0.text(seconds: seconds) } ?? ""))"
    }

    /// `[####------]`: the steps done out of `total`, ten cells wide.
    static func bar(done: Int, total: Int) -> String {
        let cells = 10
        let filled = min(cells, max(0, done * cells / max(1, total)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: cells - filled) + "]"
    }
}

/// Items done within a step (e.g. analysis sets), counted from any thread and read by the
/// step's display.
final class ProgressCounter: @unchecked Sendable {
    let unit: String
    private let lock = NSLock()
    private var done = 0
    /// Known up front (analysis sets) or told by the work (`update`: the cohort's patients).
    private var total: Int?

    init(total: Int?, unit: String) {
        self.total = total
        self.unit = unit
    }

    func increment() {
        lock.lock()
        done += 1
        lock.unlock()
    }

    /// Sets the count to `done` unless it is already higher (a second pass over the same items
    /// does not count them twice), and the total when it is given.
    func update(done: Int, total: Int? = nil) {
        lock.lock()
        self.done = max(self.done, done)
        if let total { self.total = total }
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    /// `3 of 5 sets, 1.4 sets/s` (the rate once a tenth of a second has passed and an item is
    /// done); `42 patients analysed` while the total is not known.
    func text(seconds: Double) -> String {
        lock.lock()
        let n = done, total = self.total
        lock.unlock()
        var s = total.map { "\(n) of \($0) \(unit)" } ?? "\(n) \(unit)"
        let rateUnit = unit.split(separator: " ").first.map(String.init) ?? unit
        if n > 0, seconds >= 0.1 { s += ", \(RateText.rate(Double(n) / seconds)) \(rateUnit)/s" }
        return s
    }
}

private enum RateText {
    /// Two significant digits for a rate below 10, whole numbers above.
    static func rate(_ x: Double) -> String {
        x >= 10 ? "\(Int(x.rounded()))" : "\((x * 10).rounded() / 10)"
    }
}

func formatSeconds(_ s: Double) -> String {
    let tenths = (s * 10).rounded() / 10
    return "\(tenths) s"
}
