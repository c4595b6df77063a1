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
    func step<T>(_ name: String, count: (Int, String)? = nil, _ work: () throws -> T) rethrows -> T {
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
                whileActive(number) { writeLine("\(prefix) … still running (\(formatSeconds(elapsed())))") }
            }
            t.resume()
            timer = t
        case .bar:
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            t.schedule(deadline: .now(), repeating: 0.25)
            let done = number - 1, total = self.total
            t.setEventHandler { [self] in
                whileActive(number) { writeRaw("\r\u{1B}[K" + Self.bar(done: done, total: total) + " \(prefix) … \(formatSeconds(elapsed()))") }
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
        var line = "\(prefix) … done (\(formatSeconds(seconds))"
        if let (n, unit) = count, seconds >= 0.05 { line += ", \(Int((Double(n) / seconds).rounded())) \(unit)/s" }
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

    /// `[####------]`: the steps done out of `total`, ten cells wide.
    static func bar(done: Int, total: Int) -> String {
        let cells = 10
        let filled = min(cells, max(0, done * cells / max(1, total)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: cells - filled) + "]"
    }
}

func formatSeconds(_ s: Double) -> String {
    let tenths = (s * 10).rounded() / 10
    return "\(tenths) s"
}
