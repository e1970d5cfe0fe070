package server

// wheelSlots must exceed the longest timeout in seconds; config caps timeouts at one hour.
const wheelSlots = 4096

// timerWheel is a one-second-resolution timing wheel over connections. Each connection sits in at most one slot
// through intrusive links, so re-arming a deadline on every request is O(1) and allocation-free, and the loop pays
// nothing per connection that is not due. One wheel per loop: never touched by other goroutines.
type timerWheel struct {
	slots [wheelSlots]*conn
	now   int64 // the last second processed
}

type timerLinks struct {
	prev, next *conn
	deadline   int64 // unix seconds; 0 = not armed
}

func (w *timerWheel) arm(c *conn, deadline int64) {
	if c.timer.deadline == deadline {
		return
	}
	w.disarm(c)
	if deadline <= w.now {
		deadline = w.now + 1
	}
	if deadline-w.now >= wheelSlots {
		deadline = w.now + wheelSlots - 1
	}
	c.timer.deadline = deadline
	slot := &w.slots[deadline%wheelSlots]
	c.timer.next = *slot
	if *slot != nil {
		(*slot).timer.prev = c
	}
	*slot = c
}

func (w *timerWheel) disarm(c *conn) {
	if c.timer.deadline == 0 {
		return
	}
	slot := &w.slots[c.timer.deadline%wheelSlots]
	if c.timer.prev != nil {
		c.timer.prev.timer.next = c.timer.next
	} else {
		*slot = c.timer.next
	}
	if c.timer.next != nil {
		c.timer.next.timer.prev = c.timer.prev
	}
	c.timer = timerLinks{}
}

// advance fires every connection whose deadline is at or before now.
func (w *timerWheel) advance(now int64, fire func(*conn)) {
	if w.now == 0 || now-w.now > wheelSlots {
		w.now = now - 1
	}
	for sec := w.now + 1; sec <= now; sec++ {
		w.now = sec
		for c := w.slots[sec%wheelSlots]; c != nil; {
			next := c.timer.next
			if c.timer.deadline <= now {
				w.disarm(c)
				fire(c)
			}
			c = next
		}
	}
}
