// Live numbers: one EventSource on /api/v1/stream for the whole app.  The
// daemon sends a "summary" event every second; pages subscribe to it.
// EventSource reconnects by itself after a network error; when the stream
// is closed for good (401: session gone) the app is told so.

export class Live {
    constructor(onClosed) {
        this.listeners = new Set();
        this.stateListeners = new Set();
        this.onClosed = onClosed;
        this.last = null;
        this.state = 'connecting';
        this.es = null;
    }

    start() {
        this.stop();
        this.es = new EventSource('api/v1/stream');
        this.es.addEventListener('summary', (ev) => {
            let s;
            try {
                s = JSON.parse(ev.data);
            } catch {
                return;
            }
            this.last = s;
            this.setState('live');
            for (const fn of this.listeners) {
                fn(s);
            }
        });
        this.es.addEventListener('error', () => {
            if (this.es && this.es.readyState === EventSource.CLOSED) {
                this.setState('offline');
                this.onClosed();
            } else {
                this.setState('connecting');
            }
        });
    }

    stop() {
        if (this.es) {
            this.es.close();
            this.es = null;
        }
        this.setState('offline');
    }

    setState(s) {
        if (s !== this.state) {
            this.state = s;
            for (const fn of this.stateListeners) {
                fn(s);
            }
        }
    }

    subscribe(fn) {
        this.listeners.add(fn);
        if (this.last) {
            fn(this.last);
        }
        return () => this.listeners.delete(fn);
    }

    onState(fn) {
        this.stateListeners.add(fn);
        fn(this.state);
        return () => this.stateListeners.delete(fn);
    }
}
