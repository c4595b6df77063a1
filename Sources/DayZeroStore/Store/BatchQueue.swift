import Foundation

/// A bounded first-in first-out queue between one producer and one consumer thread: `send`
/// waits while `capacity` items are queued, `receive` waits while none is, and either side can
/// cancel (the other then stops at its next call). Memory stays bounded however large the
/// study (the producer waits when the consumer falls behind), and items keep their order.
/// Used by the import (`RowChannel`) and the streamed derivation (`MeasurementStream`).
final class BatchQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var items: [Element] = []
    private var closed = false
    private var cancelled = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues `item`; false (and the item dropped) once the queue was cancelled.
    func send(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// No more items will be sent.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops both sides: queued items are dropped.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    var wasCancelled: Bool { condition.withLock { cancelled } }

    /// The next item; `nil` once the queue is closed and empty, or cancelled.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed && !cancelled { condition.wait() }
        guard !cancelled, !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}
