//! The dependency graph of one module: nodes by index, an edge from each
//! node to the nodes it references.
//!
//! Evaluation walks it from the leaves (nodes that reference nothing) to
//! the roots, so every node sees the exports of what it references; the
//! position of a node in that walk is its *rank*. Tasks start in ascending
//! rank and stop in descending rank: a receiver references the exporter it
//! sends to, so it has the higher rank, stops first, and the exporter can
//! drain what is queued.

use std::collections::BTreeSet;

#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    /// `deps[i]`: the nodes `i` references.
    deps: Vec<BTreeSet<usize>>,
    /// `dependants[i]`: the nodes that reference `i`.
    dependants: Vec<BTreeSet<usize>>,
}

/// Why a graph cannot be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GraphError {
    SelfReference(usize),
    /// The members of one cycle.
    Cycle(Vec<usize>),
}

impl Graph {
    pub fn new(len: usize) -> Graph {
        Graph {
            deps: vec![BTreeSet::new(); len],
            dependants: vec![BTreeSet::new(); len],
        }
    }

    pub fn len(&self) -> usize {
        self.deps.len()
    }

    /// `from` references `to`.
    pub fn add_edge(&mut self, from: usize, to: usize) {
        if from < self.len() && to < self.len() {
            self.deps[from].insert(to);
            self.dependants[to].insert(from);
        }
    }

    pub fn dependencies(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.deps.get(node).into_iter().flatten().copied()
    }

    pub fn dependants(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.dependants.get(node).into_iter().flatten().copied()
    }

    /// Self-references, then cycles (each sorted by index).
    pub fn validate(&self) -> Vec<GraphError> {
        let mut errors: Vec<GraphError> = (0..self.len())
            .filter(|&i| self.deps[i].contains(&i))
            .map(GraphError::SelfReference)
            .collect();
        for mut component in strongly_connected(&self.deps) {
            if component.len() > 1 {
                component.sort_unstable();
                errors.push(GraphError::Cycle(component));
            }
        }
        errors
    }

    /// Kahn's walk from the leaves; among nodes ready at the same time the
    /// lower index goes first, so the order is stable across reloads. Nodes
    /// on a cycle are left out (validation reports them).
    pub fn topological_order(&self) -> Vec<usize> {
        let mut remaining: Vec<usize> = self
            .deps
            .iter()
            .enumerate()
            .map(|(i, d)| d.iter().filter(|&&j| j != i).count())
            .collect();
        let mut ready: BTreeSet<usize> = (0..self.len()).filter(|&i| remaining[i] == 0).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(next) = ready.pop_first() {
            order.push(next);
            for &dependant in &self.dependants[next] {
                if dependant == next {
                    continue;
                }
                remaining[dependant] -= 1;
                if remaining[dependant] == 0 {
                    ready.insert(dependant);
                }
            }
        }
        order
    }
}

/// Tarjan's algorithm, shared with the checker so both report the same
/// cycles.
fn strongly_connected(adjacency: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let adjacency: Vec<Vec<usize>> = adjacency
        .iter()
        .map(|s| s.iter().copied().collect())
        .collect();
    alloy_analysis::strongly_connected(&adjacency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_come_first() {
        // 0 -> 1 -> 2, 3 -> 2
        let mut g = Graph::new(4);
        g.add_edge(0, 1);
        g.add_edge(1, 2);
        g.add_edge(3, 2);
        assert_eq!(g.topological_order(), vec![2, 1, 0, 3]);
        assert!(g.validate().is_empty());
        assert_eq!(g.dependants(2).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn cycles_and_self_references_are_reported() {
        let mut g = Graph::new(4);
        g.add_edge(0, 1);
        g.add_edge(1, 0);
        g.add_edge(2, 2);
        assert_eq!(
            g.validate(),
            vec![GraphError::SelfReference(2), GraphError::Cycle(vec![0, 1])]
        );
        assert_eq!(g.topological_order(), vec![2, 3]);
    }
}
