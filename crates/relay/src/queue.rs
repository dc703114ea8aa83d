//! The in-memory view of the spool's work: what to do next and when. Losing it loses nothing —
//! it is rebuilt from the spool at start.

use std::collections::VecDeque;

use tokio::time::Instant;

use crate::spool::Stage;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub stage: Stage,
    /// Failed delivery attempts so far (counted from this process's start).
    pub failures: u32,
}

#[derive(Debug, Default)]
pub struct Queue {
    ready: VecDeque<Job>,
    delayed: Vec<(Instant, Job)>,
}

pub enum Next {
    Run(Job),
    /// Nothing due; wake at this instant (or when notified).
    WaitUntil(Instant),
    Idle,
}

impl Queue {
    pub fn push(&mut self, job: Job) {
        self.ready.push_back(job);
    }

    pub fn push_at(&mut self, at: Instant, job: Job) {
        self.delayed.push((at, job));
    }

    pub fn len(&self) -> usize {
        self.ready.len() + self.delayed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn next(&mut self, now: Instant) -> Next {
        let mut i = 0;
        while i < self.delayed.len() {
            if self.delayed[i].0 <= now {
                let (_, job) = self.delayed.swap_remove(i);
                self.ready.push_back(job);
            } else {
                i += 1;
            }
        }
        if let Some(job) = self.ready.pop_front() {
            return Next::Run(job);
        }
        match self.delayed.iter().map(|(t, _)| *t).min() {
            Some(t) => Next::WaitUntil(t),
            None => Next::Idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn job(id: &str) -> Job {
        Job {
            id: id.into(),
            stage: Stage::Sanitized,
            failures: 0,
        }
    }

    #[test]
    fn ready_first_then_delayed_when_due() {
        let t0 = Instant::now();
        let mut q = Queue::default();
        q.push_at(t0 + Duration::from_secs(5), job("late"));
        q.push(job("now"));
        assert!(matches!(q.next(t0), Next::Run(j) if j.id == "now"));
        assert!(matches!(q.next(t0), Next::WaitUntil(t) if t == t0 + Duration::from_secs(5)));
        assert!(matches!(q.next(t0 + Duration::from_secs(5)), Next::Run(j) if j.id == "late"));
        assert!(matches!(q.next(t0), Next::Idle));
        assert!(q.is_empty());
    }
}
