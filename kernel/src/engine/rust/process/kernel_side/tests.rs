//! The runner's decisions, driven by a scripted [`Host`]: no process is started. The fake
//! host sends the runner the events a process's watchers would, when the runner writes a
//! command or an answer (or looks at the process a given number of times), in every order
//! the watcher threads can deliver them; then the test checks how the run ended and what
//! the runner asked of the host.
//!
//! Its pids are above any Linux can give (`PID_MAX_LIMIT` is 1 << 22): the fake host never
//! signals or waits, and the signals the [`ChildKiller`] itself sends to them (a shutdown,
//! a stopped cell) reach no process.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::*;
use crate::core::engine::Interrupter;
use crate::engine::rust::process::limits::STOPPED_STATUS;

/// No process has this pid or one above it; the n-th fresh process gets `PID + n`.
const PID: u32 = 1 << 23;
const FIRST: u32 = PID + 1;
const SECOND: u32 = PID + 2;
const SNAPSHOT: u32 = PID + 100;
const STRAY: u32 = PID + 200;

const CRASH: Exit = Exit::Signal(libc::SIGSEGV);

/// Short enough that a test waits milliseconds where the kernel waits seconds.
const FAST: Timing = Timing {
    resume_timeout: Duration::from_millis(200),
    alive_every: Duration::from_millis(5),
    stdin_every: Duration::from_millis(1),
};

/// What the runner asked of the host, in order.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Spawn(Generation, u32),
    Command(String),
    Answer(String),
    ReapNow(u32),
    Orphans(u32),
    Discard(u32),
    Watch(u32, Generation),
}

/// What the fake process does next: sends events, dies, starts reading its stdin.
type Cue = Box<dyn FnOnce(&mut World) + Send>;

/// The fake processes, as the host sees them.
#[derive(Default)]
struct World {
    /// The watchers' side of the runner's channel; `None` once they are gone.
    events: Option<Sender<(Generation, Event)>>,
    calls: Vec<Call>,
    spawned: u32,
    /// What happens when each command arrives, in order.
    on_command: VecDeque<Cue>,
    /// What happens when each answer arrives, in order.
    on_answer: VecDeque<Cue>,
    /// What happens after the runner looked at the processes this many more times.
    after_looks: Option<(u32, Cue)>,
    /// Processes that are gone (and exited by SIGKILL, if reaped).
    dead: Vec<u32>,
    /// The process whose cell waits on its standard input.
    reading: Option<u32>,
    /// A live cell process among the kernel's children (a snapshot whose twin died).
    orphan: Option<u32>,
}

impl World {
    fn send(&self, generation: Generation, event: Event) {
        self.events.as_ref().expect("the watchers are gone").send((generation, event)).unwrap();
    }

    /// The runner looked at a process (alive? reading its standard input?).
    fn look(&mut self) {
        match self.after_looks.take() {
            Some((0, cue)) => cue(self),
            Some((n, cue)) => self.after_looks = Some((n - 1, cue)),
            None => {}
        }
    }
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<World>>);

impl Fake {
    fn world(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap()
    }

    fn on_command(&self, cue: impl FnOnce(&mut World) + Send + 'static) {
        self.world().on_command.push_back(Box::new(cue));
    }

    fn on_answer(&self, cue: impl FnOnce(&mut World) + Send + 'static) {
        self.world().on_answer.push_back(Box::new(cue));
    }

    /// An event that arrives between runs.
    fn send(&self, generation: Generation, event: Event) {
        self.world().send(generation, event);
    }

    fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }

    fn answers(&self) -> Vec<String> {
        self.calls().into_iter().filter_map(|c| if let Call::Answer(a) = c { Some(a) } else { None }).collect()
    }
}

impl Host for Fake {
    fn spawn(&mut self, generation: Generation, _snapshots: bool, killer: &ChildKiller) -> Result<()> {
        let mut world = self.world();
        world.spawned += 1;
        let pid = PID + world.spawned;
        killer.set_pid(pid);
        world.calls.push(Call::Spawn(generation, pid));
        Ok(())
    }

    fn command(&mut self, line: &str) -> std::io::Result<()> {
        let mut world = self.world();
        world.calls.push(Call::Command(line.to_string()));
        if let Some(cue) = world.on_command.pop_front() {
            cue(&mut world);
        }
        Ok(())
    }

    fn answer(&mut self, text: &str) -> std::io::Result<()> {
        let mut world = self.world();
        world.calls.push(Call::Answer(text.to_string()));
        world.reading = None;
        if let Some(cue) = world.on_answer.pop_front() {
            cue(&mut world);
        }
        Ok(())
    }

    fn alive(&self, pid: u32) -> bool {
        let mut world = self.world();
        world.look();
        !world.dead.contains(&pid)
    }

    fn reads_stdin(&self, pid: u32) -> bool {
        let mut world = self.world();
        world.look();
        world.reading == Some(pid)
    }

    fn reap_now(&self, pid: u32) -> Option<Exit> {
        let mut world = self.world();
        world.calls.push(Call::ReapNow(pid));
        world.dead.contains(&pid).then_some(Exit::Signal(libc::SIGKILL))
    }

    fn orphaned_runner(&self, dead: u32) -> Option<u32> {
        let mut world = self.world();
        world.calls.push(Call::Orphans(dead));
        world.orphan.filter(|&pid| pid != dead)
    }

    fn discard(&self, pid: u32) {
        self.world().calls.push(Call::Discard(pid));
    }

    fn watch_exit(&self, pid: u32, generation: Generation) {
        self.world().calls.push(Call::Watch(pid, generation));
    }
}

/// A runner on a fake host, its first process (`FIRST`, generation 1) started.
fn start(snapshots: bool) -> (Runner<Fake>, Fake) {
    let (events_tx, events) = crossbeam_channel::unbounded();
    let fake = Fake::default();
    fake.world().events = Some(events_tx);
    let runner = Runner::with_host(fake.clone(), events, snapshots, Arc::default(), FAST).unwrap();
    (runner, fake)
}

/// Runs a cell; every request for input gets `answer`. Returns the end and the requests.
fn run(
    runner: &mut Runner<Fake>,
    mut answer: impl FnMut() -> Result<String, NoAnswer>,
) -> (Result<RunEnd, RunError>, Vec<(String, bool)>) {
    let mut asked = Vec::new();
    let end = runner.run(Path::new("/cells/lib.so"), "cell_main", &mut |prompt, password| {
        asked.push((prompt.to_string(), password));
        answer()
    });
    (end, asked)
}

fn nobody() -> Result<String, NoAnswer> {
    panic!("nothing should have been asked")
}

/// Runs `test` and fails it if it is not over in 10 s: a runner that waits forever must
/// fail its test, not hang the suite.
fn in_time(test: impl FnOnce() + Send + 'static) {
    let (over_tx, over) = crossbeam_channel::bounded(1);
    let thread = std::thread::spawn(move || {
        test();
        let _ = over_tx.send(());
    });
    match over.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => thread.join().unwrap(),
        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(thread.join().unwrap_err()),
        Err(crossbeam_channel::RecvTimeoutError::Timeout) => panic!("the runner still waits after 10 s"),
    }
}

#[test]
fn a_run_is_numbered_and_ends_when_its_process_says_so() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.send(1, Event::Done(1)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Done)));
        fake.on_command(|w| w.send(1, Event::Done(2)));
        assert!(matches!(runner.event("{\"a\":\n1}", &mut |_, _| nobody()), Ok(RunEnd::Done)));
        assert_eq!(runner.seq(), 2);
        assert_eq!(
            fake.calls(),
            [
                Call::Spawn(1, FIRST),
                Call::Command("run 1 /cells/lib.so cell_main\n".into()),
                Call::Command("event 2 {\"a\": 1}\n".into()),
            ]
        );
    });
}

#[test]
fn events_of_an_older_generation_during_a_run_are_cleaned_up_not_obeyed() {
    in_time(|| {
        let (mut runner, fake) = start(false);
        fake.on_command(|w| w.send(1, Event::Exited(FIRST, CRASH)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: false })));
        assert_eq!((runner.generation(), runner.killer.pid()), (2, SECOND));
        // The dead process's stdout is still being read: what it says is no longer news.
        fake.on_command(|w| {
            w.send(1, Event::Done(2));
            w.send(1, Event::Input("stale? ".into(), false));
            w.send(1, Event::Exited(SECOND, CRASH));
            w.send(1, Event::Resumed(STRAY));
            w.send(2, Event::Done(2));
        });
        let (end, asked) = run(&mut runner, nobody);
        assert!(matches!(end, Ok(RunEnd::Done)), "{end:?}");
        assert_eq!(asked, []);
        // A snapshot of the old process that woke up must not go on running.
        assert_eq!(fake.calls().last(), Some(&Call::Discard(STRAY)));
        assert_eq!(runner.killer.pid(), SECOND);
    });
}

#[test]
fn a_snapshot_waking_up_unasked_is_stopped_during_a_run_and_between_runs() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.send(1, Event::Resumed(STRAY));
            w.send(1, Event::Done(1));
        });
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Done)));
        assert_eq!(fake.calls().last(), Some(&Call::Discard(STRAY)));
        // Between runs: cleaned up before the next command, and not taken for a death.
        fake.send(1, Event::Resumed(STRAY + 1));
        fake.on_command(|w| w.send(1, Event::Done(2)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Done)));
        let calls = fake.calls();
        assert_eq!(
            calls[calls.len() - 2..],
            [Call::Discard(STRAY + 1), Call::Command("run 2 /cells/lib.so cell_main\n".into())]
        );
        assert_eq!(runner.killer.pid(), FIRST);
    });
}

#[test]
fn a_death_after_its_snapshot_was_announced_hands_the_session_to_the_snapshot() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.send(1, Event::Snapshot(SNAPSHOT));
            w.send(1, Event::Exited(FIRST, CRASH));
            w.send(1, Event::Resumed(SNAPSHOT));
        });
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: true })));
        assert_eq!((runner.generation(), runner.killer.pid()), (1, SNAPSHOT));
        assert_eq!(fake.calls().last(), Some(&Call::Watch(SNAPSHOT, 1)));
        // The snapshot now runs the cells, and its death is the one that counts.
        fake.on_command(|w| w.send(1, Event::Exited(SNAPSHOT, CRASH)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { resumed: false, .. })));
        assert_eq!(fake.calls().last(), Some(&Call::Spawn(2, SECOND)));
    });
}

#[test]
fn a_death_seen_before_the_snapshots_announcement_finds_it_among_the_children() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.world().orphan = Some(SNAPSHOT);
        fake.on_command(|w| {
            w.send(1, Event::Exited(FIRST, CRASH));
            w.send(1, Event::Snapshot(SNAPSHOT));
            w.send(1, Event::Resumed(SNAPSHOT));
        });
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: true })));
        assert_eq!(runner.killer.pid(), SNAPSHOT);
        assert_eq!(fake.calls()[2..], [Call::Orphans(FIRST), Call::Watch(SNAPSHOT, 1)]);
    });
}

#[test]
fn a_snapshot_that_resumed_before_the_death_was_seen_takes_over() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.send(1, Event::Snapshot(SNAPSHOT));
            w.send(1, Event::Resumed(SNAPSHOT));
            w.send(1, Event::Exited(FIRST, CRASH));
        });
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: true })));
        assert_eq!(runner.killer.pid(), SNAPSHOT);
        assert_eq!(fake.calls().last(), Some(&Call::Watch(SNAPSHOT, 1)));
    });
}

#[test]
fn a_snapshot_that_never_resumes_is_discarded_for_a_fresh_process() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.send(1, Event::Snapshot(SNAPSHOT));
            w.send(1, Event::Exited(FIRST, CRASH));
        });
        let started = std::time::Instant::now();
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: false })));
        assert!(started.elapsed() >= FAST.resume_timeout);
        assert_eq!(fake.calls()[2..], [Call::Discard(SNAPSHOT), Call::Spawn(2, SECOND)]);
        assert_eq!((runner.generation(), runner.killer.pid()), (2, SECOND));
    });
}

#[test]
fn without_snapshots_a_death_starts_a_fresh_process_without_looking_for_one() {
    in_time(|| {
        let (mut runner, fake) = start(false);
        // A cell process among the children (a spare, say) is not taken for a snapshot.
        fake.world().orphan = Some(STRAY);
        fake.on_command(|w| w.send(1, Event::Exited(FIRST, CRASH)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Died { exit: CRASH, resumed: false })));
        assert_eq!(fake.calls()[2..], [Call::Spawn(2, SECOND)]);
    });
}

#[test]
fn input_is_answered_on_one_line_and_a_refusal_says_why() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.send(1, Event::Input("name? ".into(), true)));
        fake.on_answer(|w| w.send(1, Event::Input("again? ".into(), false)));
        fake.on_answer(|w| w.send(1, Event::Done(1)));
        let mut answers = vec![Err(NoAnswer::StdinClosed), Ok("Ada\nLovelace".to_string())];
        let (end, asked) = run(&mut runner, || answers.pop().unwrap());
        assert!(matches!(end, Ok(RunEnd::Done)));
        assert_eq!(asked, [("name? ".to_string(), true), ("again? ".to_string(), false)]);
        assert_eq!(
            fake.answers(),
            [format!("{ANSWER_OK}Ada Lovelace\n"), format!("{ANSWER_REFUSED}{}\n", NoAnswer::StdinClosed)]
        );
        // input() says why itself: the cell was not stopped for it.
        assert_eq!(runner.take_refused(), None);
    });
}

#[test]
fn a_cell_reading_its_standard_input_gets_the_answer() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.reading = Some(FIRST));
        fake.on_answer(|w| w.send(1, Event::Done(1)));
        let (end, asked) = run(&mut runner, || Ok("42".into()));
        assert!(matches!(end, Ok(RunEnd::Done)));
        assert_eq!(asked, [(String::new(), false)]);
        assert_eq!(fake.answers(), ["42\n"]);
        assert_eq!(runner.take_refused(), None);
    });
}

#[test]
fn input_whose_request_arrives_after_its_read_began_is_asked_once_with_its_prompt() {
    // input() writes its request on stdout and then reads stdin; the request reaches the
    // runner through a reader thread, so a look can find the process reading before the
    // request has arrived. One such look must not count as a bare stdin read, or the
    // student would be asked twice, the first time without the prompt.
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.reading = Some(FIRST);
            w.after_looks = Some((0, Box::new(|w| w.send(1, Event::Input("name? ".into(), false)))));
        });
        fake.on_answer(|w| w.send(1, Event::Done(1)));
        let (end, asked) = run(&mut runner, || Ok("Ada".into()));
        assert!(matches!(end, Ok(RunEnd::Done)), "{end:?}");
        assert_eq!(asked, [("name? ".to_string(), false)]);
        assert_eq!(fake.answers(), [format!("{ANSWER_OK}Ada\n")]);
    });
}

#[test]
fn a_cell_reading_its_standard_input_that_no_one_can_answer_is_stopped_and_asked_once() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| {
            w.send(1, Event::Snapshot(SNAPSHOT));
            w.reading = Some(FIRST);
        });
        let world = fake.clone();
        let (end, asked) = run(&mut runner, || {
            // The process dies of the stop signal, after the runner has looked at it a few
            // more times, finding it still reading: asking again would be wrong.
            world.world().after_looks.get_or_insert((
                20,
                Box::new(|w| {
                    w.send(1, Event::Exited(FIRST, Exit::Code(STOPPED_STATUS)));
                    w.send(1, Event::Resumed(SNAPSHOT));
                }),
            ));
            Err(NoAnswer::NotAllowed)
        });
        assert!(matches!(end, Ok(RunEnd::Died { exit: Exit::Code(STOPPED_STATUS), resumed: true })), "{end:?}");
        assert_eq!(asked, [(String::new(), false)]);
        assert_eq!(fake.answers(), Vec::<String>::new());
        assert_eq!(runner.take_refused(), Some(NoAnswer::NotAllowed));
        assert_eq!(runner.take_refused(), None);
    });
}

#[test]
fn an_interrupted_request_for_input_gets_no_answer() {
    in_time(|| {
        let (mut runner, fake) = start(false);
        let killer = runner.killer.clone();
        fake.on_command(move |w| {
            killer.interrupt();
            w.send(1, Event::Input("name? ".into(), false));
        });
        let world = fake.clone();
        let (end, asked) = run(&mut runner, || {
            world.send(1, Event::Exited(FIRST, Exit::Code(STOPPED_STATUS)));
            Err(NoAnswer::Interrupted)
        });
        assert!(matches!(end, Ok(RunEnd::Died { resumed: false, .. })), "{end:?}");
        assert_eq!(asked.len(), 1);
        // An answer left in the pipe would be read by a later cell.
        assert_eq!(fake.answers(), Vec::<String>::new());
    });
}

#[test]
fn a_death_between_cells_is_reported_and_the_cell_is_not_sent() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.send(1, Event::Done(1)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Done)));
        fake.send(1, Event::Exited(FIRST, Exit::Signal(libc::SIGKILL)));
        let (end, _) = run(&mut runner, nobody);
        assert!(matches!(end, Ok(RunEnd::DiedBefore { exit: Exit::Signal(libc::SIGKILL) })), "{end:?}");
        assert_eq!(runner.seq(), 2);
        assert_eq!(fake.calls().last(), Some(&Call::Spawn(2, SECOND)));
        // The next cell goes to the fresh process.
        fake.on_command(|w| w.send(2, Event::Done(3)));
        assert!(matches!(run(&mut runner, nobody).0, Ok(RunEnd::Done)));
        assert_eq!(fake.calls().last(), Some(&Call::Command("run 3 /cells/lib.so cell_main\n".into())));
    });
}

#[test]
fn the_end_of_another_run_is_an_error_not_this_runs_end() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.send(1, Event::Done(7)));
        let (end, _) = run(&mut runner, nobody);
        assert!(matches!(end, Err(RunError::WrongRun { ended: 7, expected: 1 })), "{end:?}");
    });
}

#[test]
fn watchers_that_stop_are_an_error_not_a_wait_forever() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.events = None);
        let (end, _) = run(&mut runner, nobody);
        assert!(matches!(end, Err(RunError::WatchersGone)), "{end:?}");
    });
}

#[test]
fn a_death_no_watcher_reported_is_found_by_looking_at_the_process() {
    in_time(|| {
        let (mut runner, fake) = start(true);
        fake.on_command(|w| w.dead.push(FIRST));
        let (end, _) = run(&mut runner, nobody);
        assert!(matches!(end, Ok(RunEnd::Died { exit: Exit::Signal(libc::SIGKILL), resumed: false })), "{end:?}");
        assert_eq!(fake.calls()[2..], [Call::ReapNow(FIRST), Call::Orphans(FIRST), Call::Spawn(2, SECOND)]);
    });
}
