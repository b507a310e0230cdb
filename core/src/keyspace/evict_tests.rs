use super::*;
use crate::keyspace::Value;

const NOW: u64 = 1_700_000_000_000;

fn params(policy: Policy) -> EvictParams {
    EvictParams {
        policy,
        samples: 5,
        decay_time: 1,
    }
}

fn filled(n: usize) -> Keyspace {
    let mut ks = Keyspace::new(2);
    ks.set_clock(NOW);
    for i in 0..n {
        ks.dbs[0].set(format!("k{i}").as_bytes(), Value::Int(i as i64), 0);
    }
    ks
}

#[test]
fn policies_read_and_show_as_redis_names_them() {
    assert_eq!(Policy::parse("ALLKEYS-LRU"), Ok(Policy::AllKeysLru));
    assert_eq!(Policy::VolatileTtl.name(), "volatile-ttl");
    let err = Policy::parse("lru").unwrap_err();
    assert_eq!(err, "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
}

#[test]
fn noeviction_and_volatile_policies_without_expiring_keys_evict_nothing() {
    let mut ks = filled(100);
    for policy in [
        Policy::NoEviction,
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ] {
        assert_eq!(ks.evict_one(params(policy), NOW, 7), None, "{policy:?}");
    }
    assert_eq!(ks.dbs[0].len(), 100);
    assert_eq!(ks.evicted_keys, 0);
}

#[test]
fn volatile_policies_take_only_keys_with_an_expiry() {
    for policy in [
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ] {
        let mut ks = filled(5000);
        for i in 0..50 {
            ks.dbs[0].set(format!("v{i}").as_bytes(), Value::Int(0), NOW + 100_000 + i);
        }
        let mut rand = 1u64;
        for round in 0..50 {
            rand = rand
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let left = ks.dbs[0].volatile_len();
            assert_eq!(
                ks.evict_one(params(policy), NOW, rand),
                Some(0),
                "{policy:?} round {round}, {left} left, rand {rand}"
            );
        }
        assert_eq!(ks.dbs[0].volatile_len(), 0, "{policy:?}");
        assert_eq!(ks.dbs[0].len(), 5000, "{policy:?}");
        assert_eq!(ks.evict_one(params(policy), NOW, rand), None);
    }
}

#[test]
fn volatile_ttl_takes_the_soonest_expiry_first() {
    let mut ks = Keyspace::new(1);
    ks.set_clock(NOW);
    for i in 0..200u64 {
        ks.dbs[0].set(
            format!("t{i}").as_bytes(),
            Value::Int(0),
            NOW + 1000 * (i + 1),
        );
    }
    let mut rand = NOW;
    for _ in 0..100 {
        rand = rand
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ks.evict_one(params(Policy::VolatileTtl), NOW, rand);
    }
    // The pool approximates: most of the first half went, most of the second half stayed.
    let early_left = (0..100)
        .filter(|i| ks.dbs[0].peek(format!("t{i}").as_bytes(), NOW).is_some())
        .count();
    assert!(
        early_left < 25,
        "{early_left} of the 100 soonest keys stayed"
    );
}

#[test]
fn lru_takes_idle_keys_before_recently_used_ones() {
    let mut ks = filled(2000);
    // An hour later, the even keys are read.
    let later = NOW + 3_600_000;
    ks.set_clock(later);
    for i in (0..2000).step_by(2) {
        assert!(ks.dbs[0].get(format!("k{i}").as_bytes(), later).is_some());
    }
    let mut rand = 3u64;
    for _ in 0..500 {
        rand = rand
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ks.evict_one(params(Policy::AllKeysLru), later, rand);
    }
    let even_left = (0..2000)
        .step_by(2)
        .filter(|i| ks.dbs[0].peek(format!("k{i}").as_bytes(), later).is_some())
        .count();
    assert!(
        even_left == 1000,
        "only {even_left} of the 1000 recently read keys stayed"
    );
}

#[test]
fn lfu_counters_grow_logarithmically_and_decay_with_idleness() {
    let tracking = Tracking {
        lfu: true,
        log_factor: 10,
        decay_time: 1,
    };
    let now = (NOW / 1000) as u32;
    let mut freq = lfu_new(now);
    assert_eq!(lfu_counter(freq, now, 1), LFU_INIT_VAL);
    let mut rand = 5u64;
    for _ in 0..1000 {
        rand = rand
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        freq = lfu_touch(freq, now, tracking, rand);
    }
    let c = lfu_counter(freq, now, 1);
    // Redis's table for factor 10: about 18 after 100 hits, about 30ish after 1000.
    assert!((15..60).contains(&c), "counter {c} after 1000 hits");
    assert_eq!(
        lfu_counter(freq, now + 600, 1),
        c - 10,
        "ten idle minutes take ten"
    );
    assert_eq!(
        lfu_counter(freq, now + 600, 0),
        c,
        "decay time 0 never decays"
    );
}

#[test]
fn lfu_takes_rarely_used_keys_first() {
    let mut ks = filled(2000);
    let tracking = Tracking {
        lfu: true,
        log_factor: 10,
        decay_time: 1,
    };
    ks.set_tracking(tracking);
    for _ in 0..50 {
        for i in 0..100 {
            ks.dbs[0].get(format!("k{i}").as_bytes(), NOW);
        }
    }
    let mut rand = 9u64;
    for _ in 0..1000 {
        rand = rand
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ks.evict_one(params(Policy::AllKeysLfu), NOW, rand);
    }
    let hot_left = (0..100)
        .filter(|i| ks.dbs[0].peek(format!("k{i}").as_bytes(), NOW).is_some())
        .count();
    assert!(
        hot_left == 100,
        "only {hot_left} of the 100 hot keys stayed"
    );
}

#[test]
fn random_policies_empty_every_database() {
    let mut ks = filled(300);
    for i in 0..300 {
        ks.dbs[1].set(format!("o{i}").as_bytes(), Value::Int(0), 0);
    }
    let mut rand = 11u64;
    let mut n = 0;
    loop {
        rand = rand
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if ks
            .evict_one(params(Policy::AllKeysRandom), NOW, rand)
            .is_none()
        {
            break;
        }
        n += 1;
    }
    assert_eq!(n, 600);
    assert_eq!(ks.evicted_keys, 600);
}

#[test]
fn overwriting_a_key_keeps_its_frequency() {
    let mut ks = filled(1);
    ks.dbs[0].get_mut(b"k0", NOW).unwrap().freq = lfu_new((NOW / 1000) as u32) + 20;
    ks.dbs[0].set(b"k0", Value::Int(1), 0);
    assert_eq!(
        lfu_counter(
            ks.dbs[0].peek(b"k0", NOW).unwrap().freq,
            (NOW / 1000) as u32,
            1
        ),
        25
    );
}
